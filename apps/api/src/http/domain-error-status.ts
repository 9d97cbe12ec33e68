import { DOMAIN_ERRORS, DomainErrorCategory, DomainErrorCode } from '@punchcard/domain';

/** The HTTP status of each kind of domain refusal. */
const STATUS_OF_CATEGORY = {
  not_found: 404,
  conflict: 409,
  invalid: 422,
} as const satisfies Record<DomainErrorCategory, number>;

type StatusOf<C extends DomainErrorCode> = (typeof STATUS_OF_CATEGORY)[(typeof DOMAIN_ERRORS)[C]];

/**
 * The HTTP status of every domain error code (part of the public API: docs/api-guide.md, "Domain codes").
 * A code added to the domain without a status here fails the build, and so does a status that disagrees
 * with the code's category.
 */
export const DOMAIN_ERROR_STATUS = {
  // not_found
  package_not_found: 404,
  offering_not_found: 404,
  redemption_not_found: 404,
  booking_not_found: 404,
  session_type_not_found: 404,
  schedule_not_found: 404,
  checkout_not_found: 404,
  card_refund_not_found: 404,
  // conflict
  package_already_exists: 409,
  offering_already_exists: 409,
  offering_not_active: 409,
  offering_expired: 409,
  offering_archived: 409,
  offering_deleted: 409,
  no_credits_left: 409,
  package_expired: 409,
  package_refunded: 409,
  package_frozen: 409,
  package_charged_back: 409,
  package_not_expired_yet: 409,
  session_after_expiry: 409,
  redemption_already_exists: 409,
  redemption_already_reversed: 409,
  redemption_forfeited: 409,
  adjustment_exceeds_balance: 409,
  invalid_status_transition: 409,
  // conflict (bookings)
  booking_already_exists: 409,
  schedule_timezone_fixed: 409,
  redemption_is_booked: 409,
  booking_cancelled: 409,
  attendance_already_marked: 409,
  session_already_started: 409,
  session_not_started: 409,
  session_not_in_past: 409,
  reschedule_too_late: 409,
  same_time: 409,
  package_not_usable: 409,
  offering_not_visible: 409,
  no_usable_package: 409,
  booking_limit_reached: 409,
  weekly_limit_reached: 409,
  schedule_inactive: 409,
  session_type_not_bookable: 409,
  session_type_not_on_schedule: 409,
  slot_not_offered: 409,
  too_late_to_book: 409,
  too_far_ahead: 409,
  slot_full: 409,
  slot_unavailable: 409,
  slot_busy: 409,
  daily_limit_reached: 409,
  session_type_already_exists: 409,
  schedule_already_exists: 409,
  session_type_archived: 409,
  // conflict (checkouts)
  checkout_already_exists: 409,
  // conflict (card refunds)
  not_card_payment: 409,
  card_refund_pending: 409,
  card_refund_failed: 409,
  offering_not_payable: 409,
  // invalid
  invalid_delta: 422,
  invalid_recognition_basis: 422,
  invalid_credits: 422,
  invalid_amount: 422,
  invalid_expiry: 422,
  invalid_instant: 422,
  invalid_offering: 422,
  reason_required: 422,
  invalid_session_type: 422,
  invalid_schedule: 422,
} as const satisfies { [C in DomainErrorCode]: StatusOf<C> };
