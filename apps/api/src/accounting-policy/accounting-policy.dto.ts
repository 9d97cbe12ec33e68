import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { RECOGNITION_BASES, RecognitionBasis } from '@punchcard/domain';
import { NotBlank } from '../http/validators';

export class ChangeAccountingPolicyDto {
  @ApiProperty({
    enum: RECOGNITION_BASES,
    description: 'redemption: revenue when a credit is redeemed (a booking, at booking time); delivery: when the session takes place, or is forfeited. Applies to packages sold from now on.',
  })
  @IsIn([...RECOGNITION_BASES])
  recognitionBasis!: RecognitionBasis;

  @ApiProperty({ example: 'Our accountant applies IFRS 15: revenue when the session is delivered' })
  @IsString()
  @Length(1, 500)
  @NotBlank()
  reason!: string;
}
