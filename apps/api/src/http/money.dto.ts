import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { IsCurrency } from './validators';

/** A price in a request body: integer minor units and an ISO 4217 currency. */
export class PriceDto {
  @ApiProperty({ description: 'Integer minor units (cents)', example: 54000 }) @IsInt() @Min(0) @Max(100_000_000_00) amount!: number;
  @ApiProperty({ example: 'USD' }) @IsCurrency() currency!: string;
}
