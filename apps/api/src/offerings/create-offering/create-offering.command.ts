import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideOffering, OfferingFields, OfferingState, OfferingStatus } from '../../../../../libs/domain/src';
import { CommandContext } from '../../write-side/command-context';
import { Decided, StreamExecutor } from '../../write-side/stream-executor';
import { offeringDecider, offeringStreamId } from '../offering-stream';

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

  execute({ offeringId, fields, status, context }: CreateOfferingCommand) {
    return this.streams.execute(offeringStreamId(offeringId), offeringDecider, context, (state) =>
      decideOffering({ type: 'CreateOffering', offeringId, fields, status }, state),
    );
  }
}
