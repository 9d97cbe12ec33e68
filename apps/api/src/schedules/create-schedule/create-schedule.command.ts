import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideSchedule, scheduleDecider, ScheduleFields, ScheduleState, scheduleStreamId } from '@punchcard/domain';
import { CommandContext } from '../../write-side/command-context';
import { Decided, StreamExecutor } from '../../write-side/stream-executor';
import { assertSessionTypesExist } from '../../session-types';

export class CreateScheduleCommand extends Command<Decided<ScheduleState>> {
  constructor(
    readonly scheduleId: string,
    readonly fields: ScheduleFields,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(CreateScheduleCommand)
export class CreateScheduleHandler implements ICommandHandler<CreateScheduleCommand> {
  constructor(private readonly streams: StreamExecutor) {}

  async execute({ scheduleId, fields, context }: CreateScheduleCommand) {
    await assertSessionTypesExist(this.streams, context.tenantId, fields.sessionTypeIds);
    return this.streams.execute(scheduleStreamId(scheduleId), scheduleDecider, context, (state) =>
      decideSchedule({ type: 'CreateSchedule', scheduleId, fields }, state),
    );
  }
}
