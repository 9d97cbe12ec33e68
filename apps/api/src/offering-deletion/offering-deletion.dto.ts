import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { NotBlank } from '../http/validators';

export class DeleteOfferingDto {
  @ApiPropertyOptional({ example: 'Service discontinued' }) @IsOptional() @IsString() @Length(1, 500) @NotBlank() reason?: string;
}
