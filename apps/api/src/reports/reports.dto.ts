import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PAYMENT_METHODS, PaymentMethod } from '@punchcard/domain';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { IsInstantOrCalendarDate } from '../http/validators';

const BOUND = 'An instant with an offset, or a local date (YYYY-MM-DD) of the business, which means that whole date in its time zone';

/** Every report and the journal export can be narrowed to the packages paid one way. */
class PaymentMethodParam extends ReadYourWritesParams {
  @ApiPropertyOptional({ enum: PAYMENT_METHODS, description: 'Only the entries of packages paid this way (default: all)' })
  @IsOptional()
  @IsIn([...PAYMENT_METHODS])
  paymentMethod?: PaymentMethod;
}

export class ContractLiabilityParams extends PaymentMethodParam {
  @ApiPropertyOptional({ description: `Everything effective at or before this (default: now). ${BOUND}: a date counts through its end.`, example: '2026-03-31' })
  @IsOptional()
  @IsInstantOrCalendarDate()
  asOf?: string;
}

export class RollforwardParams extends PaymentMethodParam {
  @ApiPropertyOptional({ description: `Start of the period (exclusive; default: the first instant of the current local month). ${BOUND}: a date starts the period at its first instant.`, example: '2026-03-01' })
  @IsOptional()
  @IsInstantOrCalendarDate()
  from?: string;
  @ApiPropertyOptional({ description: `End of the period (inclusive; default: the end of the current local month). ${BOUND}: a date ends the period with that date.`, example: '2026-03-31' })
  @IsOptional()
  @IsInstantOrCalendarDate()
  to?: string;
}

export class JournalExportParams extends PaymentMethodParam {
  @ApiPropertyOptional({ description: `Only lines effective after this (default: from the first entry). ${BOUND}: a date starts at its first instant.`, example: '2026-03-01' })
  @IsOptional()
  @IsInstantOrCalendarDate()
  from?: string;
  @ApiPropertyOptional({ description: `Only lines effective at or before this (default: now). ${BOUND}: a date counts through its end.`, example: '2026-03-31' })
  @IsOptional()
  @IsInstantOrCalendarDate()
  to?: string;
}
