import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideOffering, evolveOffering, offeringDecider, OfferingFields, OfferingState, OfferingStatus, offeringStreamId } from '@punchcard/domain';
import { CommandContext } from '../../write-side/command-context';
import { Decided, StreamExecutor } from '../../write-side/stream-executor';
import { unknownReference } from '../offering-references';

/** Field changes and/or a status change (at least one), decided together and appended atomically. */
export class UpdateOfferingCommand extends Command<Decided<OfferingState>> {
  constructor(
    readonly offeringId: string,
    readonly changes: Partial<OfferingFields>,
    readonly status: OfferingStatus | undefined,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(UpdateOfferingCommand)
export class UpdateOfferingHandler implements ICommandHandler<UpdateOfferingCommand> {
  constructor(private readonly streams: StreamExecutor) {}

  async execute({ offeringId, changes, status, context }: UpdateOfferingCommand) {
    const unknown = await unknownReference(this.streams, context.tenantId, changes);
    return this.streams.execute(offeringStreamId(offeringId), offeringDecider, context, (state) => {
      const updated = Object.keys(changes).length ? decideOffering({ type: 'UpdateOffering', changes }, state) : [];
      if (unknown) throw unknown;
      const afterUpdate = updated.reduce(evolveOffering, state);
      const statusChanged = status ? decideOffering({ type: 'ChangeOfferingStatus', status }, afterUpdate) : [];
      return [...updated, ...statusChanged];
    });
  }
}
