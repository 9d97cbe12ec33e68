import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { DEFAULT_RECOGNITION_BASIS, isAccountingPolicyEvent, accountingPolicyStreamId, RecognitionBasis } from '@punchcard/domain';
import { EventStore } from '@punchcard/event-store';
import { EVENT_STORE } from '../../tokens';

/** A change of the recognition basis, as recorded. */
export interface RecognitionBasisChange {
  basis: RecognitionBasis;
  previousBasis: RecognitionBasis;
  reason: string;
  chosenAt: string;
  /** Who chose it (`api-key:<id>`). */
  actor: string;
}

export interface AccountingPolicyView {
  recognitionBasis: RecognitionBasis;
  /** True while the business has never chosen: it is on the default basis. */
  isDefault: boolean;
  /** Every choice, oldest first: packages are accounted on the basis in force when they were sold. */
  changes: RecognitionBasisChange[];
}

export class GetAccountingPolicyQuery extends Query<AccountingPolicyView> {
  constructor(readonly tenantId: string) {
    super();
  }
}

/** Reads the policy stream itself (a handful of events): the answer is current, with no read model to wait for. */
@QueryHandler(GetAccountingPolicyQuery)
export class GetAccountingPolicyHandler implements IQueryHandler<GetAccountingPolicyQuery> {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  async execute({ tenantId }: GetAccountingPolicyQuery): Promise<AccountingPolicyView> {
    const stored = await this.eventStore.readStream(accountingPolicyStreamId(tenantId));
    const changes = stored
      .filter(isAccountingPolicyEvent)
      .filter((event) => event.metadata.tenantId === tenantId)
      .map((event) => ({ ...event.data, chosenAt: event.metadata.occurredAt, actor: event.metadata.actor.id }));
    return { recognitionBasis: changes.at(-1)?.basis ?? DEFAULT_RECOGNITION_BASIS, isDefault: changes.length === 0, changes };
  }
}
