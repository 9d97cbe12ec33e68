import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decidePackage, offeringDecider, offeringStreamId, packageDecider, PackageState, packageStreamId, PaymentMethod } from '@punchcard/domain';
import { ClientDirectory } from '../../clients';
import { ApiError } from '../../http/problem';
import { TenantDirectory } from '../../tenants';
import { CommandContext } from '../../write-side/command-context';
import { Decided, StreamExecutor } from '../../write-side/stream-executor';

/** Sells (or, with payment method `comp`, grants) a package of an active offering to a client. */
export class PurchasePackageCommand extends Command<Decided<PackageState>> {
  constructor(
    readonly packageId: string,
    readonly offeringId: string,
    readonly clientId: string,
    readonly payment: { method: PaymentMethod; reference: string | null },
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(PurchasePackageCommand)
export class PurchasePackageHandler implements ICommandHandler<PurchasePackageCommand> {
  constructor(
    private readonly streams: StreamExecutor,
    private readonly clients: ClientDirectory,
    private readonly tenants: TenantDirectory,
  ) {}

  async execute({ packageId, offeringId, clientId, payment, context }: PurchasePackageCommand) {
    if (!(await this.clients.get(context.tenantId, clientId))) {
      throw new ApiError(422, 'client_not_found', `No client ${clientId} in this business.`);
    }
    const tenant = await this.tenants.get(context.tenantId);
    // The offering's terms as of this sale; later edits to the offering do not change sold packages.
    const { state: offering } = await this.streams.load(offeringStreamId(offeringId), context.tenantId, offeringDecider);
    return this.streams.execute(packageStreamId(packageId), packageDecider, context, (state, now) =>
      decidePackage({ type: 'PurchasePackage', packageId, clientId, offering, payment }, state, { now, timezone: tenant.timezone }),
    );
  }
}
