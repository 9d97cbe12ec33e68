import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class AddBusyCalendarDto {
  @ApiProperty({ description: 'A label for admins (e.g. “Ada’s Google calendar”).', maxLength: 200, example: 'Work calendar' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({
    description:
      'The calendar’s secret iCalendar address (https or webcal). Stored encrypted and never shown again in full; private, loopback and link-local addresses are refused.',
    example: 'https://calendar.google.com/calendar/ical/ada%40example.com/private-0123456789abcdef/basic.ics',
  })
  @IsString()
  @Length(1, 2000)
  url!: string;
}
