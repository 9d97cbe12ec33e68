import { Module } from '@nestjs/common';
import { CreateScheduleHandler } from './create-schedule/create-schedule.command';
import { GetScheduleHandler, ListSchedulesHandler } from './queries/schedule.queries';
import { SchedulesController } from './schedules.controller';
import { UpdateScheduleHandler } from './update-schedule/update-schedule.command';

@Module({
  controllers: [SchedulesController],
  providers: [CreateScheduleHandler, UpdateScheduleHandler, GetScheduleHandler, ListSchedulesHandler],
})
export class SchedulesModule {}
