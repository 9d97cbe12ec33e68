/**
 * A business rule refused a command. `code` is stable and part of the public API
 * (it becomes the problem+json `code`); `message` is for humans.
 */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/**
 * What kind of refusal a code is, independent of any transport (each edge maps the codes to its own statuses):
 * - `not_found`: a stream or an item the command names does not exist;
 * - `conflict`: the command is well-formed but the current state refuses it;
 * - `invalid`: the command's values break a rule on their own.
 */
export type DomainErrorCategory = 'not_found' | 'conflict' | 'invalid';

/** Every code a decider can raise, with its category. */
export const DOMAIN_ERRORS = {
  // not found
  package_not_found: 'not_found',
  offering_not_found: 'not_found',
  redemption_not_found: 'not_found',
  booking_not_found: 'not_found',
  session_type_not_found: 'not_found',
  schedule_not_found: 'not_found',
  checkout_not_found: 'not_found',
  card_refund_not_found: 'not_found',
  // conflict: the command is well-formed but the current state refuses it
  package_already_exists: 'conflict',
  offering_already_exists: 'conflict',
  offering_not_active: 'conflict',
  offering_expired: 'conflict',
  offering_archived: 'conflict',
  offering_deleted: 'conflict',
  no_credits_left: 'conflict',
  package_expired: 'conflict',
  package_refunded: 'conflict',
  package_frozen: 'conflict',
  package_charged_back: 'conflict',
  package_not_expired_yet: 'conflict',
  session_after_expiry: 'conflict',
  redemption_already_exists: 'conflict',
  redemption_already_reversed: 'conflict',
  redemption_forfeited: 'conflict',
  adjustment_exceeds_balance: 'conflict',
  invalid_status_transition: 'conflict',
  // bookings (conflict: the schedule, package or booking refuses it now)
  booking_already_exists: 'conflict',
  schedule_timezone_fixed: 'conflict',
  redemption_is_booked: 'conflict',
  booking_cancelled: 'conflict',
  attendance_already_marked: 'conflict',
  session_already_started: 'conflict',
  session_not_started: 'conflict',
  session_not_in_past: 'conflict',
  reschedule_too_late: 'conflict',
  same_time: 'conflict',
  package_not_usable: 'conflict',
  offering_not_visible: 'conflict',
  no_usable_package: 'conflict',
  booking_limit_reached: 'conflict',
  weekly_limit_reached: 'conflict',
  schedule_inactive: 'conflict',
  session_type_not_bookable: 'conflict',
  session_type_not_on_schedule: 'conflict',
  slot_not_offered: 'conflict',
  too_late_to_book: 'conflict',
  too_far_ahead: 'conflict',
  slot_full: 'conflict',
  slot_unavailable: 'conflict',
  slot_busy: 'conflict',
  daily_limit_reached: 'conflict',
  session_type_already_exists: 'conflict',
  schedule_already_exists: 'conflict',
  session_type_archived: 'conflict',
  // checkouts (online sales)
  checkout_already_exists: 'conflict',
  // card refunds through Stripe (ADR 0022)
  not_card_payment: 'conflict',
  card_refund_pending: 'conflict',
  card_refund_failed: 'conflict',
  offering_not_payable: 'conflict',
  // invalid: the command's values break a rule on their own
  invalid_delta: 'invalid',
  invalid_recognition_basis: 'invalid',
  invalid_credits: 'invalid',
  invalid_amount: 'invalid',
  invalid_expiry: 'invalid',
  invalid_instant: 'invalid',
  invalid_offering: 'invalid',
  reason_required: 'invalid',
  invalid_session_type: 'invalid',
  invalid_schedule: 'invalid',
} as const satisfies Record<string, DomainErrorCategory>;

export type DomainErrorCode = keyof typeof DOMAIN_ERRORS;
