import { Decider } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { eventGuard, eventTypeSet, SchemaVersions } from '../shared/event';

/**
 * When a business recognises the revenue of a redeemed credit (docs/accounting.md, ADR 0019):
 * - `redemption`: when the credit is redeemed, so a booked session counts when it is booked;
 * - `delivery`: when the session takes place (the later of its start and the redemption), or when it is
 *   forfeited by a late cancellation, as IFRS 15 / ASC 606 usually ask.
 * A package is accounted on the basis in force when it was sold, for its whole life: one contract,
 * one method. Businesses that never chose are on the default.
 */
export const RECOGNITION_BASES = ['redemption', 'delivery'] as const;
export type RecognitionBasis = (typeof RECOGNITION_BASES)[number];

/** What Punchcard always did before the policy existed, so no business's closed periods change (ADR 0019). */
export const DEFAULT_RECOGNITION_BASIS: RecognitionBasis = 'redemption';

export type RecognitionBasisChosen = {
  type: 'RecognitionBasisChosen';
  data: { basis: RecognitionBasis; previousBasis: RecognitionBasis; reason: string };
};
export type AccountingPolicyEvent = RecognitionBasisChosen;
export type AccountingPolicyEventType = AccountingPolicyEvent['type'];

export const ACCOUNTING_POLICY_SCHEMA_VERSIONS = {
  RecognitionBasisChosen: 1,
} satisfies SchemaVersions<AccountingPolicyEventType>;

export const ACCOUNTING_POLICY_EVENT_TYPES = eventTypeSet(ACCOUNTING_POLICY_SCHEMA_VERSIONS);
export const isAccountingPolicyEvent = eventGuard<AccountingPolicyEvent>(ACCOUNTING_POLICY_EVENT_TYPES);

export interface AccountingPolicyState {
  basis: RecognitionBasis;
  /** False until the business first chose (it is on the default). */
  chosen: boolean;
}

export type AccountingPolicyCommand = { type: 'ChooseRecognitionBasis'; basis: string; reason: string };

/** One stream per business: tenants live in a table, so the tenant id names the stream. */
export const accountingPolicyStreamId = (tenantId: string) => `accounting-policy-${tenantId}`;

export const accountingPolicyDecider: Decider<AccountingPolicyCommand, AccountingPolicyState, AccountingPolicyEvent> = {
  initialState: { basis: DEFAULT_RECOGNITION_BASIS, chosen: false },
  evolve: (_state, event) => ({ basis: event.data.basis, chosen: true }),
  decide(command, state) {
    const basis = command.basis as RecognitionBasis;
    if (!RECOGNITION_BASES.includes(basis)) {
      throw new DomainError('invalid_recognition_basis', `The recognition basis must be one of ${RECOGNITION_BASES.join(', ')}.`);
    }
    if (!command.reason || command.reason.trim().length === 0) throw new DomainError('reason_required', 'A reason is required.');
    // Choosing the basis in force changes nothing (a repeated request is a no-op, not a second event).
    if (state.chosen && state.basis === basis) return [];
    return [{ type: 'RecognitionBasisChosen', data: { basis, previousBasis: state.basis, reason: command.reason } }];
  },
};
