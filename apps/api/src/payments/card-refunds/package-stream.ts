import { Injectable } from '@nestjs/common';
import { decidePackage, DomainError, PackageCommand, packageDecider, PackageSnapshot, packageStreamId } from '@punchcard/domain';
import { TenantDirectory } from '../../tenants';
import { CommandContext } from '../../write-side/command-context';
import { Decided, StreamExecutor } from '../../write-side/stream-executor';
import { UnitOfWorkExecutor } from '../../write-side/unit-of-work';

/**
 * One decision on a package stream for the card-refund flow (ADR 0022). Unlike the StreamExecutor it
 * always decides, even when the stream already holds events of this request's idempotency key: the
 * flow appends two phases under one key, and the decider recognises each phase by our refund id.
 */
@Injectable()
export class PackageStream {
  constructor(
    private readonly units: UnitOfWorkExecutor,
    private readonly streams: StreamExecutor,
    private readonly tenants: TenantDirectory,
  ) {}

  /** Whether the tenant has this package (another tenant's reads as missing). */
  async exists(packageId: string, tenantId: string): Promise<boolean> {
    const { state } = await this.streams.load(packageStreamId(packageId), tenantId, packageDecider);
    return state.exists;
  }

  async decide(packageId: string, command: Exclude<PackageCommand, { type: 'PurchasePackage' }>, context: CommandContext): Promise<Decided<PackageSnapshot>> {
    const tenant = await this.tenants.get(context.tenantId);
    const streamId = packageStreamId(packageId);
    const { result, position } = await this.units.run(context, async (unit) => {
      const loaded = await unit.load(streamId, packageDecider);
      if (!loaded.state.exists) throw new DomainError('package_not_found', 'Package not found.');
      const events = decidePackage(command, loaded.state, { now: unit.now, timezone: tenant.timezone });
      unit.stage(streamId, events);
      return { state: events.reduce(packageDecider.evolve, loaded.state) as PackageSnapshot, events, position: loaded.position };
    }, [streamId]);
    return { state: result.state, events: result.events, position: position ?? result.position };
  }
}
