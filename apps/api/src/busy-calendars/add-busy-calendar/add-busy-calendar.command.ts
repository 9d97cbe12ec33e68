import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { scheduleDecider, scheduleStreamId } from '@punchcard/domain';
import { Config } from '@punchcard/platform';
import { ApiError } from '../../http/problem';
import { APP_CONFIG } from '../../tokens';
import { StreamExecutor } from '../../write-side/stream-executor';
import { BusyCalendarStore, BusyCalendarView } from '../busy-calendar-store';
import { checkCalendarUrl } from '../calendar-url';

/** Busy calendars are service rows, not events (ADR 0026): adding one is one insert; the first fetch is the job's or a refresh. */
export class AddBusyCalendarCommand extends Command<BusyCalendarView> {
  constructor(
    readonly tenantId: string,
    readonly scheduleId: string,
    readonly calendarId: string,
    readonly input: { name: string; url: string },
  ) {
    super();
  }
}

@CommandHandler(AddBusyCalendarCommand)
export class AddBusyCalendarHandler implements ICommandHandler<AddBusyCalendarCommand> {
  constructor(
    private readonly store: BusyCalendarStore,
    private readonly streams: StreamExecutor,
    @Inject(APP_CONFIG) private readonly config: Config,
  ) {}

  async execute({ tenantId, scheduleId, calendarId, input }: AddBusyCalendarCommand): Promise<BusyCalendarView> {
    const { state } = await this.streams.load(scheduleStreamId(scheduleId), tenantId, scheduleDecider);
    if (!state.exists) throw new ApiError(404, 'schedule_not_found', 'Schedule not found.');
    const url = await checkCalendarUrl(input.url, this.config.calendars);
    return this.store.create(tenantId, scheduleId, calendarId, { name: input.name, url });
  }
}
