import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CatalogStatus, decideSessionType, evolveSessionType, sessionTypeDecider, SessionTypeFields, SessionTypeState, sessionTypeStreamId } from '@punchcard/domain';
import { CommandContext } from '../../write-side/command-context';
import { Decided, StreamExecutor } from '../../write-side/stream-executor';

/** Field changes and/or a status change (at least one), decided together and appended atomically. */
export class UpdateSessionTypeCommand extends Command<Decided<SessionTypeState>> {
  constructor(
    readonly sessionTypeId: string,
    readonly changes: Partial<SessionTypeFields>,
    readonly status: CatalogStatus | undefined,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(UpdateSessionTypeCommand)
export class UpdateSessionTypeHandler implements ICommandHandler<UpdateSessionTypeCommand> {
  constructor(private readonly streams: StreamExecutor) {}

  execute({ sessionTypeId, changes, status, context }: UpdateSessionTypeCommand) {
    return this.streams.execute(sessionTypeStreamId(sessionTypeId), sessionTypeDecider, context, (state) => {
      const updated = Object.keys(changes).length ? decideSessionType({ type: 'UpdateSessionType', changes }, state) : [];
      const afterUpdate = updated.reduce(evolveSessionType, state);
      const statusChanged = status ? decideSessionType({ type: 'ChangeSessionTypeStatus', status }, afterUpdate) : [];
      return [...updated, ...statusChanged];
    });
  }
}
