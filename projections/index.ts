import { Projection } from '@punchcard/projection-runner';
import { offeringSummaryProjection } from './offering-summary/offering-summary.projection';
import { packageLedgerProjection } from './package-ledger/package-ledger.projection';
import { packagesProjection } from './packages/packages.projection';
import { schedulesProjection } from './schedules/schedules.projection';
import { sessionTypesProjection } from './session-types/session-types.projection';
import { bookingsProjection } from './bookings/bookings.projection';
import { scheduleDaysProjection } from './schedule-days/schedule-days.projection';
import { usageProjection } from './usage/usage.projection';
import { accountingJournalProjection } from './accounting/accounting-journal.projection';

export * from './collections';
export * from './packages/packages.projection';
export * from './package-ledger/package-ledger.projection';
export * from './offering-summary/offering-summary.projection';
export * from './session-types/session-types.projection';
export * from './schedules/schedules.projection';
export * from './bookings/bookings.projection';
export * from './schedule-days/schedule-days.projection';
export * from './usage/usage.projection';
export * from './accounting/accounting-journal.projection';

export const ALL_PROJECTIONS: Projection[] = [packagesProjection, packageLedgerProjection, offeringSummaryProjection, bookingsProjection, scheduleDaysProjection, sessionTypesProjection, schedulesProjection, usageProjection, accountingJournalProjection];
