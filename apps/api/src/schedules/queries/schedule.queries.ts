import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ReadStore } from '@punchcard/read-store';
import { ScheduleDocument, SCHEDULES } from '@punchcard/projections';
import { READ_STORE } from '../../tokens';

export type ScheduleSummary = Omit<ScheduleDocument, 'tenantId'>;

const present = ({ tenantId: _, ...schedule }: ScheduleDocument): ScheduleSummary => schedule;

export class GetScheduleQuery extends Query<ScheduleSummary | null> {
  constructor(
    readonly tenantId: string,
    readonly scheduleId: string,
  ) {
    super();
  }
}

export class ListSchedulesQuery extends Query<{ items: ScheduleSummary[]; nextCursor: string | null }> {
  constructor(
    readonly tenantId: string,
    readonly filter: { active?: boolean; cursor?: string; limit: number },
  ) {
    super();
  }
}

@QueryHandler(GetScheduleQuery)
export class GetScheduleHandler implements IQueryHandler<GetScheduleQuery> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ tenantId, scheduleId }: GetScheduleQuery) {
    const document = await this.readStore.get<ScheduleDocument>({ collection: SCHEDULES, tenantId, id: scheduleId });
    return document && present(document);
  }
}

@QueryHandler(ListSchedulesQuery)
export class ListSchedulesHandler implements IQueryHandler<ListSchedulesQuery> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ tenantId, filter }: ListSchedulesQuery) {
    const docs = await this.readStore.find<ScheduleDocument>(SCHEDULES, tenantId, {
      // Compared as text ('true'/'false'), the form the field index on `active` holds.
      where: filter.active === undefined ? {} : { active: String(filter.active) },
      order: 'desc',
      after: filter.cursor,
      limit: filter.limit + 1,
    });
    const items = docs.slice(0, filter.limit).map((d) => present(d.data));
    return { items, nextCursor: docs.length > filter.limit ? items[items.length - 1].id : null };
  }
}
