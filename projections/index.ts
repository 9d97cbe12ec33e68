import { Projection } from '../libs/projection-runner/src/projection';
import { offeringSummaryProjection } from './offering-summary/offering-summary.projection';
import { packageLedgerProjection } from './package-ledger/package-ledger.projection';
import { packagesProjection } from './packages/packages.projection';

export * from './collections';
export * from './packages/packages.projection';
export * from './package-ledger/package-ledger.projection';
export * from './offering-summary/offering-summary.projection';

export const ALL_PROJECTIONS: Projection[] = [packagesProjection, packageLedgerProjection, offeringSummaryProjection];
