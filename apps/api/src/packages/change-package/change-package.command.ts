import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decidePackage, PackageCommand, packageDecider, PackageState, packageStreamId } from '@punchcard/domain';
import { TenantDirectory } from '../../tenants';
import { CommandContext } from '../../write-side/command-context';
import { Decided, StreamExecutor } from '../../write-side/stream-executor';

/** A command on an existing package (redeem, reverse, adjust, change expiry, expire, refund). */
export type PackageChange = Exclude<PackageCommand, { type: 'PurchasePackage' }>;

/**
 * One handler for every change to an existing package: they differ only in the domain command,
 * which the package decider interprets (and tests cover command by command).
 */
export class ChangePackageCommand extends Command<Decided<PackageState>> {
  constructor(
    readonly packageId: string,
    readonly change: PackageChange,
    readonly context: CommandContext,
    /** The request's answer from the new state, recorded with the append under an Idempotency-Key (ADR 0028). */
    readonly answer?: (state: PackageState) => unknown,
  ) {
    super();
  }
}

@CommandHandler(ChangePackageCommand)
export class ChangePackageHandler implements ICommandHandler<ChangePackageCommand> {
  constructor(
    private readonly streams: StreamExecutor,
    private readonly tenants: TenantDirectory,
  ) {}

  async execute({ packageId, change, context, answer }: ChangePackageCommand) {
    const tenant = await this.tenants.get(context.tenantId);
    return this.streams.execute(
      packageStreamId(packageId),
      packageDecider,
      context,
      (state, now) => decidePackage(change, state, { now, timezone: tenant.timezone }),
      answer,
    );
  }
}
