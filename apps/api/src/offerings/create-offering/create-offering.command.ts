import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideOffering, offeringDecider, OfferingFields, OfferingState, OfferingStatus, offeringStreamId } from '@punchcard/domain';
import { CommandContext } from '../../write-side/command-context';
import { Decided, StreamExecutor } from '../../write-side/stream-executor';
import { unknownReference } from '../offering-references';

export class CreateOfferingCommand extends Command<Decided<OfferingState>> {
  constructor(
    readonly offeringId: string,
    readonly fields: OfferingFields,
    readonly status: OfferingStatus,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(CreateOfferingCommand)
export class CreateOfferingHandler implements ICommandHandler<CreateOfferingCommand> {
  constructor(private readonly streams: StreamExecutor) {}

  async execute({ offeringId, fields, status, context }: CreateOfferingCommand) {
    const unknown = await unknownReference(this.streams, context.tenantId, fields);
    return this.streams.execute(offeringStreamId(offeringId), offeringDecider, context, (state) => {
      const events = decideOffering({ type: 'CreateOffering', offeringId, fields, status }, state);
      if (unknown) throw unknown;
      return events;
    });
  }
}
