import { Inject, Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { OfferingBadge, offeringBadge, OfferingState } from '@punchcard/domain';
import { SlotFinder } from '../../slots/slot-finder';
import { TenantDirectory } from '../../tenants/tenant-directory';
import { Clock, CLOCK } from '../../tokens';
import { OfferingSummary } from './offering.queries';

/** How far ahead "no free slot left" looks for an offering's schedule. */
const LOOK_AHEAD_DAYS = 28;

/** The badge of one offering (detail view only: it lists its schedule's slots, too costly per list row). */
@Injectable()
export class OfferingBadges {
  constructor(
    private readonly slots: SlotFinder,
    private readonly tenants: TenantDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async badgeOf(tenantId: string, summary: OfferingSummary): Promise<OfferingBadge> {
    const now = this.clock.now().toISOString();
    const { timezone } = await this.tenants.get(tenantId);
    const offering = { exists: true, offeringId: summary.id, ...summary } as Extract<OfferingState, { exists: true }>;
    const schedule = summary.scheduleId ? await this.slots.loadSchedule(tenantId, summary.scheduleId) : null;
    let slotsAhead: { offered: number; free: number } | null = null;
    if (schedule?.exists && schedule.active) {
      const today = DateTime.fromISO(now, { zone: 'utc' }).setZone(schedule.timezone);
      const types = summary.sessionTypeIds.length ? schedule.sessionTypeIds.filter((id) => summary.sessionTypeIds.includes(id)) : schedule.sessionTypeIds;
      const range = { from: today.toISODate()!, to: today.plus({ days: LOOK_AHEAD_DAYS }).toISODate()!, viewerZone: schedule.timezone };
      slotsAhead = await this.slots.count(tenantId, schedule, types, range);
    }
    return offeringBadge({
      offering,
      now,
      timezone,
      schedule: schedule?.exists ? { ...schedule, today: DateTime.fromISO(now, { zone: 'utc' }).setZone(schedule.timezone).toISODate()! } : null,
      packagesSold: summary.packagesSold,
      creditsOpen: summary.creditsGranted - summary.creditsUsed - summary.creditsRefunded - summary.creditsForfeited,
      slotsAhead,
    });
  }
}
