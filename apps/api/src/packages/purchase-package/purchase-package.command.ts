import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  clientPackagesDecider,
  clientPackagesStreamId,
  decidePackage,
  offeringDecider,
  offeringStreamId,
  packageDecider,
  PackageState,
  packageStreamId,
  PaymentMethod,
} from '@punchcard/domain';
import { ClientDirectory } from '../../clients';
import { ApiError } from '../../http/problem';
import { TenantDirectory } from '../../tenants';
import { CommandContext } from '../../write-side/command-context';
import { Decided } from '../../write-side/stream-executor';
import { UnitOfWorkExecutor } from '../../write-side/unit-of-work';

/** Sells (or, with payment method `comp`, grants) a package of an active offering to a client. */
export class PurchasePackageCommand extends Command<Decided<PackageState>> {
  constructor(
    readonly packageId: string,
    readonly offeringId: string,
    readonly clientId: string,
    readonly payment: { method: PaymentMethod; reference: string | null },
    /** Sell although the client is outside the offering's groups, for this reason (the business's own keys only: the route is admin's). */
    readonly visibilityOverride: { reason: string } | null,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/**
 * One atomic append: `PackagePurchased` on the new package stream and `ClientPackageAdded` on the
 * client's package index (which booking decisions read and assert). The offering's stream is read
 * and asserted too, so a sale racing a pause or deletion of the offering decides again.
 */
@CommandHandler(PurchasePackageCommand)
export class PurchasePackageHandler implements ICommandHandler<PurchasePackageCommand> {
  constructor(
    private readonly units: UnitOfWorkExecutor,
    private readonly clients: ClientDirectory,
    private readonly tenants: TenantDirectory,
  ) {}

  async execute({ packageId, offeringId, clientId, payment, visibilityOverride, context }: PurchasePackageCommand): Promise<Decided<PackageState>> {
    const client = await this.clients.get(context.tenantId, clientId);
    if (!client) throw new ApiError(422, 'unknown_client', `No client ${clientId} in this business.`);
    const tenant = await this.tenants.get(context.tenantId);
    const { result, position } = await this.units.run(context, async (unit): Promise<Decided<PackageState>> => {
      const loaded = await unit.load(packageStreamId(packageId), packageDecider);
      if (loaded.seenKey) return { state: loaded.state, events: [], position: loaded.position };
      // The offering's terms as of this sale; later edits to the offering do not change sold packages.
      const { state: offering } = await unit.load(offeringStreamId(offeringId), offeringDecider);
      if (!offering.exists) throw new ApiError(422, 'unknown_offering', `No offering ${offeringId} in this business.`);
      await unit.load(clientPackagesStreamId(clientId), clientPackagesDecider);
      const events = decidePackage(
        { type: 'PurchasePackage', packageId, clientId, offering, payment, clientGroups: client.groups, visibilityOverride },
        loaded.state,
        { now: unit.now, timezone: tenant.timezone },
      );
      unit.stage(packageStreamId(packageId), events);
      unit.stage(clientPackagesStreamId(clientId), [{ type: 'ClientPackageAdded', data: { clientId, packageId, offeringId } }]);
      return { state: events.reduce(packageDecider.evolve, loaded.state), events, position: loaded.position };
    });
    return { ...result, position: position ?? result.position };
  }
}
