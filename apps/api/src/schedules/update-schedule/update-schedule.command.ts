import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideSchedule, scheduleDecider, ScheduleFields, ScheduleState, scheduleStreamId, WeeklyHours } from '@punchcard/domain';
import { ApiError } from '../../http/problem';
import { CommandContext } from '../../write-side/command-context';
import { Decided, StreamExecutor } from '../../write-side/stream-executor';
import { assertSessionTypesExist } from '../../session-types';

/**
 * Replaces the given fields. `weeklyHours` is merged day by day (the days sent replace those days,
 * the others stay), as a JSON merge patch would; overrides and sessionTypeIds are replaced whole.
 */
export class UpdateScheduleCommand extends Command<Decided<ScheduleState>> {
  constructor(
    readonly scheduleId: string,
    readonly changes: Partial<Omit<ScheduleFields, 'weeklyHours'>>,
    readonly weeklyHours: Partial<WeeklyHours> | undefined,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(UpdateScheduleCommand)
export class UpdateScheduleHandler implements ICommandHandler<UpdateScheduleCommand> {
  constructor(private readonly streams: StreamExecutor) {}

  async execute({ scheduleId, changes, weeklyHours, context }: UpdateScheduleCommand) {
    const streamId = scheduleStreamId(scheduleId);
    if (changes.sessionTypeIds) {
      // A missing schedule is 404 before its session types are looked at.
      const { state } = await this.streams.load(streamId, context.tenantId, scheduleDecider);
      if (!state.exists) throw new ApiError(404, 'schedule_not_found', 'Schedule not found.');
      await assertSessionTypesExist(this.streams, context.tenantId, changes.sessionTypeIds);
    }
    return this.streams.execute(streamId, scheduleDecider, context, (state) => {
      const all: Partial<ScheduleFields> = { ...changes };
      // Merged with the state read for this attempt, so a concurrent edit of another day is kept.
      if (weeklyHours && state.exists) all.weeklyHours = { ...state.weeklyHours, ...weeklyHours };
      return decideSchedule({ type: 'UpdateSchedule', changes: all }, state);
    });
  }
}
