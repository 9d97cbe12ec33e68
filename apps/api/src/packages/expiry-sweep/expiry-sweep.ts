import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { v7 as uuidv7 } from 'uuid';
import { DomainError } from '@punchcard/domain';
import { withTenant } from '@punchcard/postgres';
import { ReadStore } from '@punchcard/read-store';
import { PackageDocument, PACKAGES } from '@punchcard/projections';
import { ChangePackageCommand } from '../change-package/change-package.command';
import { TenantDirectory } from '../../tenants';
import { Clock, CLOCK, READ_STORE } from '../../tokens';
import { systemContext } from '../../write-side/command-context';

const PAGE = 500;

/**
 * Records PackageExpired for packages whose expiry has passed. The read model only finds the
 * candidates; each is decided against its stream, so a package extended meanwhile is left alone.
 * Redemptions after expiresAt are refused by the decider whether or not this has run yet.
 */
@Injectable()
export class ExpirySweep {
  private readonly logger = new Logger('ExpirySweep');

  constructor(
    private readonly commands: CommandBus,
    private readonly tenants: TenantDirectory,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Returns how many packages it expired. Each run has an id, the causation (and correlation) id of
   * every PackageExpired it appends.
   */
  async run(): Promise<number> {
    const runId = uuidv7();
    const now = this.clock.now().toISOString();
    let expired = 0;
    for (const tenantId of await this.tenants.allIds()) expired += await withTenant(tenantId, () => this.sweepTenant(tenantId, now, runId));
    if (expired) this.logger.log(`Sweep run ${runId} expired ${expired} package(s)`);
    return expired;
  }

  private async sweepTenant(tenantId: string, now: string, runId: string): Promise<number> {
    let expired = 0;
    let after: string | undefined;
    for (;;) {
      const due = await this.readStore.find<PackageDocument>(PACKAGES, tenantId, {
        where: { status: { in: ['active', 'used_up'] }, expiresAt: { lte: now } },
        after,
        limit: PAGE,
      });
      for (const { id } of due) {
        try {
          await this.commands.execute(new ChangePackageCommand(id, { type: 'ExpirePackage' }, systemContext(tenantId, 'expiry-sweep', runId)));
          expired++;
        } catch (error) {
          // Already expired, refunded, or extended since the read model was written: nothing to do.
          if (!(error instanceof DomainError)) this.logger.error(`Could not expire package ${id}: ${String(error)}`);
        }
      }
      if (due.length < PAGE) break;
      after = due[due.length - 1].id;
    }
    return expired;
  }
}
