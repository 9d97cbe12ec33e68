import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, registerDecorator } from 'class-validator';

/** An absolute http(s) or webcal(s) URL with a host (the scheme and address policy are checked after, 422). */
function IsCalendarUrl() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isCalendarUrl',
      target: target.constructor,
      propertyName,
      options: { message: '$property must be an https (or webcal) URL' },
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          try {
            const url = new URL(value.trim());
            return /^(https?|webcals?):$/i.test(url.protocol) && url.hostname.length > 0;
          } catch {
            return false;
          }
        },
      },
    });
}

export class AddBusyCalendarDto {
  @ApiProperty({ description: 'A label for admins (e.g. “Ada’s Google calendar”).', maxLength: 200, example: 'Work calendar' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({
    description:
      'The calendar’s secret iCalendar address (https or webcal). Stored encrypted and never shown again in full; private, loopback and link-local addresses are refused (422 calendar_address_not_allowed), as is plain http (422 calendar_url_not_allowed).',
    example: 'https://calendar.google.com/calendar/ical/ada%40example.com/private-0123456789abcdef/basic.ics',
  })
  @IsString()
  @Length(1, 2000)
  @IsCalendarUrl()
  url!: string;
}
