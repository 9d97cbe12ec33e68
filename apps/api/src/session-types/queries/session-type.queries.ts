import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ReadStore } from '@punchcard/read-store';
import { SESSION_TYPES, SessionTypeDocument } from '@punchcard/projections';
import { READ_STORE } from '../../tokens';

export type SessionTypeSummary = Omit<SessionTypeDocument, 'tenantId'>;

const present = ({ tenantId: _, ...sessionType }: SessionTypeDocument): SessionTypeSummary => sessionType;

export class GetSessionTypeQuery extends Query<SessionTypeSummary | null> {
  constructor(
    readonly tenantId: string,
    readonly sessionTypeId: string,
  ) {
    super();
  }
}

/** Several session types at once (one read), in no particular order; unknown ids are left out. */
export class GetSessionTypesQuery extends Query<SessionTypeSummary[]> {
  constructor(
    readonly tenantId: string,
    readonly sessionTypeIds: readonly string[],
  ) {
    super();
  }
}

export class ListSessionTypesQuery extends Query<{ items: SessionTypeSummary[]; nextCursor: string | null }> {
  constructor(
    readonly tenantId: string,
    readonly filter: { status?: string; cursor?: string; limit: number },
  ) {
    super();
  }
}

@QueryHandler(GetSessionTypeQuery)
export class GetSessionTypeHandler implements IQueryHandler<GetSessionTypeQuery> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ tenantId, sessionTypeId }: GetSessionTypeQuery) {
    const document = await this.readStore.get<SessionTypeDocument>({ collection: SESSION_TYPES, tenantId, id: sessionTypeId });
    return document && present(document);
  }
}

@QueryHandler(GetSessionTypesQuery)
export class GetSessionTypesHandler implements IQueryHandler<GetSessionTypesQuery> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ tenantId, sessionTypeIds }: GetSessionTypesQuery) {
    const ids = [...new Set(sessionTypeIds)];
    if (ids.length === 0) return [];
    const documents = await this.readStore.getMany(ids.map((id) => ({ collection: SESSION_TYPES, tenantId, id })));
    return documents.map((d) => present(d.data as SessionTypeDocument));
  }
}

@QueryHandler(ListSessionTypesQuery)
export class ListSessionTypesHandler implements IQueryHandler<ListSessionTypesQuery> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ tenantId, filter }: ListSessionTypesQuery) {
    const docs = await this.readStore.find<SessionTypeDocument>(SESSION_TYPES, tenantId, {
      where: filter.status ? { status: filter.status } : {},
      order: 'desc',
      after: filter.cursor,
      limit: filter.limit + 1,
    });
    const items = docs.slice(0, filter.limit).map((d) => present(d.data));
    return { items, nextCursor: docs.length > filter.limit ? items[items.length - 1].id : null };
  }
}
