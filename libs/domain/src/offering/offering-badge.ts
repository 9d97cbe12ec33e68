import { ScheduleFields } from '../scheduling/scheduling.types';
import { OfferingState } from './offering.decider';
import { computeExpiresAt } from './validity';

/**
 * The status badge an admin sees on an offering, first match wins:
 * - `expired`: its fixed expiration date has passed (packages can no longer be sold);
 * - `no_availability`: it books a schedule that is inactive, has no hours (weekly or upcoming overrides)
 *   or offers no session of its (active) session types in the look-ahead window;
 * - `fully_booked`: no credits left to book on any package sold, or every slot ahead on its schedule is taken;
 * - null: none of these.
 */
export type OfferingBadge = 'expired' | 'no_availability' | 'fully_booked' | null;

export interface BadgeInput {
  offering: Extract<OfferingState, { exists: true }>;
  now: string;
  /** The tenant's zone (a fixed expiration date ends at local midnight there). */
  timezone: string;
  /** The linked schedule's configuration, or null when the offering books any schedule (or it is missing). */
  schedule: (ScheduleFields & { today: string }) | null;
  /** Credits still bookable across the packages sold from it, and how many packages were sold. */
  creditsOpen: number;
  packagesSold: number;
  /** Slots its schedule offers in the look-ahead window (bookings aside) and how many are still free; null without a schedule. */
  slotsAhead: { offered: number; free: number } | null;
}

export function offeringBadge(input: BadgeInput): OfferingBadge {
  const { offering } = input;
  if (offering.validity.kind === 'fixed_date') {
    const end = computeExpiresAt(offering.validity, input.now, input.timezone)!;
    if (Date.parse(input.now) >= Date.parse(end)) return 'expired';
  }
  if (offering.scheduleId !== null) {
    const schedule = input.schedule;
    const hasWeeklyHours = schedule !== null && Object.values(schedule.weeklyHours).some((ranges) => ranges.length > 0);
    const hasUpcomingOverrideHours = schedule !== null && schedule.overrides.some((o) => o.date >= schedule.today && o.hours.length > 0);
    if (!schedule || !schedule.active || (!hasWeeklyHours && !hasUpcomingOverrideHours)) return 'no_availability';
    if (input.slotsAhead?.offered === 0) return 'no_availability';
  }
  if (input.packagesSold > 0 && input.creditsOpen === 0) return 'fully_booked';
  if (input.slotsAhead?.free === 0) return 'fully_booked';
  return null;
}
