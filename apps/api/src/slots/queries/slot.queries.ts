import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ScheduleState } from '@punchcard/domain';
import { SCHEDULES } from '@punchcard/projections';
import { ReadStore } from '@punchcard/read-store';
import { ApiError } from '../../http/problem';
import { READ_STORE } from '../../tokens';
import { AvailableSlot, checkSlotRange, compareText, SlotFinder } from '../slot-finder';

type ActiveSchedule = Extract<ScheduleState, { exists: true }>;

/** Local dates `from`..`to` (inclusive) as seen in `viewerZone`. */
export interface SlotRange {
  from: string;
  to: string;
  viewerZone: string;
}

export interface SlotListing {
  timezone: string;
  from: string;
  to: string;
  slots: AvailableSlot[];
}

/** A schedule as its stream has it now (configuration is read from streams, never from a read model). */
export class CurrentScheduleQuery extends Query<ScheduleState> {
  constructor(
    readonly tenantId: string,
    readonly scheduleId: string,
  ) {
    super();
  }
}

/** Free slots of a schedule for these session types. */
export class FindSlotsQuery extends Query<AvailableSlot[]> {
  constructor(
    readonly tenantId: string,
    readonly schedule: ActiveSchedule,
    readonly sessionTypeIds: string[],
    readonly range: SlotRange,
  ) {
    super();
  }
}

/** How many slots a schedule offers for bookable session types in the range (bookings aside), and how many are free. */
export class CountSlotsQuery extends Query<{ offered: number; free: number }> {
  constructor(
    readonly tenantId: string,
    readonly schedule: ActiveSchedule,
    readonly sessionTypeIds: string[],
    readonly range: SlotRange,
  ) {
    super();
  }
}

/** The staff's slot search of one schedule; 404 schedule_not_found for an unknown schedule. */
export class ScheduleSlotsQuery extends Query<SlotListing & { scheduleId: string }> {
  constructor(
    readonly tenantId: string,
    readonly scheduleId: string,
    readonly search: { from: string; to: string; timezone?: string; sessionTypeId?: string },
  ) {
    super();
  }
}

/** The staff's slot search of a session type across the active schedules offering it. */
export class SessionTypeSlotsQuery extends Query<SlotListing & { sessionTypeId: string }> {
  constructor(
    readonly tenantId: string,
    readonly sessionTypeId: string,
    readonly search: { from: string; to: string; timezone?: string },
  ) {
    super();
  }
}

@QueryHandler(CurrentScheduleQuery)
export class CurrentScheduleHandler implements IQueryHandler<CurrentScheduleQuery> {
  constructor(private readonly finder: SlotFinder) {}

  execute({ tenantId, scheduleId }: CurrentScheduleQuery) {
    return this.finder.loadSchedule(tenantId, scheduleId);
  }
}

@QueryHandler(FindSlotsQuery)
export class FindSlotsHandler implements IQueryHandler<FindSlotsQuery> {
  constructor(private readonly finder: SlotFinder) {}

  execute({ tenantId, schedule, sessionTypeIds, range }: FindSlotsQuery) {
    return this.finder.find(tenantId, schedule, sessionTypeIds, range);
  }
}

@QueryHandler(CountSlotsQuery)
export class CountSlotsHandler implements IQueryHandler<CountSlotsQuery> {
  constructor(private readonly finder: SlotFinder) {}

  execute({ tenantId, schedule, sessionTypeIds, range }: CountSlotsQuery) {
    return this.finder.count(tenantId, schedule, sessionTypeIds, range);
  }
}

@QueryHandler(ScheduleSlotsQuery)
export class ScheduleSlotsHandler implements IQueryHandler<ScheduleSlotsQuery> {
  constructor(private readonly finder: SlotFinder) {}

  async execute({ tenantId, scheduleId, search }: ScheduleSlotsQuery) {
    const schedule = await this.finder.loadSchedule(tenantId, scheduleId);
    if (!schedule.exists) throw new ApiError(404, 'schedule_not_found', 'Schedule not found.');
    const viewerZone = search.timezone ?? schedule.timezone;
    checkSlotRange(search);
    const sessionTypeIds = search.sessionTypeId ? [search.sessionTypeId].filter((s) => schedule.sessionTypeIds.includes(s)) : schedule.sessionTypeIds;
    const slots = await this.finder.find(tenantId, schedule, sessionTypeIds, { from: search.from, to: search.to, viewerZone });
    return { scheduleId, timezone: viewerZone, from: search.from, to: search.to, slots };
  }
}

@QueryHandler(SessionTypeSlotsQuery)
export class SessionTypeSlotsHandler implements IQueryHandler<SessionTypeSlotsQuery> {
  constructor(
    private readonly finder: SlotFinder,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  async execute({ tenantId, sessionTypeId, search }: SessionTypeSlotsQuery) {
    const sessionType = await this.finder.loadSessionType(tenantId, sessionTypeId);
    if (!sessionType.exists) throw new ApiError(404, 'session_type_not_found', 'Session type not found.');
    checkSlotRange(search);
    const viewerZone = search.timezone ?? 'UTC';
    const slots = [];
    for (const scheduleId of await this.schedulesOffering(tenantId, sessionTypeId)) {
      const schedule = await this.finder.loadSchedule(tenantId, scheduleId);
      if (!schedule.exists || !schedule.sessionTypeIds.includes(sessionTypeId)) continue;
      slots.push(...(await this.finder.find(tenantId, schedule, [sessionTypeId], { from: search.from, to: search.to, viewerZone })));
    }
    slots.sort((a, b) => compareText(a.start, b.start) || compareText(a.scheduleId, b.scheduleId));
    return { sessionTypeId, timezone: viewerZone, from: search.from, to: search.to, slots };
  }

  /** Active schedules (from the schedules read model) that list the session type. */
  private async schedulesOffering(tenantId: string, sessionTypeId: string): Promise<string[]> {
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.readStore.find<{ id: string; sessionTypeIds: string[] }>(SCHEDULES, tenantId, { where: { active: true }, after, limit: 200 });
      ids.push(...page.filter((d) => d.data.sessionTypeIds.includes(sessionTypeId)).map((d) => d.id));
      if (page.length < 200) return ids;
      after = page.at(-1)!.id;
    }
  }
}
