import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CatalogStatus, decideSessionType, sessionTypeDecider, SessionTypeFields, SessionTypeState, sessionTypeStreamId } from '@punchcard/domain';
import { CommandContext } from '../../write-side/command-context';
import { Decided, StreamExecutor } from '../../write-side/stream-executor';

export class CreateSessionTypeCommand extends Command<Decided<SessionTypeState>> {
  constructor(
    readonly sessionTypeId: string,
    readonly fields: SessionTypeFields,
    readonly status: CatalogStatus,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(CreateSessionTypeCommand)
export class CreateSessionTypeHandler implements ICommandHandler<CreateSessionTypeCommand> {
  constructor(private readonly streams: StreamExecutor) {}

  execute({ sessionTypeId, fields, status, context }: CreateSessionTypeCommand) {
    return this.streams.execute(sessionTypeStreamId(sessionTypeId), sessionTypeDecider, context, (state) =>
      decideSessionType({ type: 'CreateSessionType', sessionTypeId, fields, status }, state),
    );
  }
}
