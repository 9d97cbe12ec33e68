import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { DateTime } from 'luxon';
import { OfferingBadge, offeringBadge, OfferingState } from '@punchcard/domain';
import { CountSlotsQuery, CurrentScheduleQuery } from '../../slots';
import { TenantDirectory } from '../../tenants';
import { Clock, CLOCK } from '../../tokens';
import { OfferingSummary } from './offering.queries';

/** How far ahead "no free slot left" looks for an offering's schedule. */
const LOOK_AHEAD_DAYS = 28;

/** The badge of one offering (detail view only: it lists its schedule's slots, too costly per list row). */
export class OfferingBadgeQuery extends Query<OfferingBadge> {
  constructor(
    readonly tenantId: string,
    readonly summary: OfferingSummary,
  ) {
    super();
  }
}

@QueryHandler(OfferingBadgeQuery)
export class OfferingBadgeHandler implements IQueryHandler<OfferingBadgeQuery> {
  constructor(
    private readonly queries: QueryBus,
    private readonly tenants: TenantDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ tenantId, summary }: OfferingBadgeQuery): Promise<OfferingBadge> {
    const now = this.clock.now().toISOString();
    const { timezone } = await this.tenants.get(tenantId);
    const offering = { exists: true, offeringId: summary.id, ...summary } as Extract<OfferingState, { exists: true }>;
    const schedule = summary.scheduleId ? await this.queries.execute(new CurrentScheduleQuery(tenantId, summary.scheduleId)) : null;
    let slotsAhead: { offered: number; free: number } | null = null;
    if (schedule?.exists && schedule.active) {
      const today = DateTime.fromISO(now, { zone: 'utc' }).setZone(schedule.timezone);
      const types = summary.sessionTypeIds.length ? schedule.sessionTypeIds.filter((id) => summary.sessionTypeIds.includes(id)) : schedule.sessionTypeIds;
      const range = { from: today.toISODate()!, to: today.plus({ days: LOOK_AHEAD_DAYS }).toISODate()!, viewerZone: schedule.timezone };
      slotsAhead = await this.queries.execute(new CountSlotsQuery(tenantId, schedule, types, range));
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
