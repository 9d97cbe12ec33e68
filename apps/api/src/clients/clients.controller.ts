import { Body, Controller, Get, Patch, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, IsUUID, Length, ValidateIf } from 'class-validator';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { GroupNames } from '../http/group-names';
import { newId } from '../http/new-id';
import { ApiError } from '../http/problem';
import { UuidParam } from '../http/uuid-param';
import { IsTimezone, NotBlank, PageLimit } from '../http/validators';
import { ClientDirectory } from './client-directory';

/** Optional, but null is refused (the field cannot be cleared). */
const OptionalNotNull = () => ValidateIf((_, value) => value !== undefined);

export class CreateClientDto {
  @ApiProperty({ example: 'Ada Lovelace' }) @IsString() @Length(1, 200) @NotBlank() name!: string;
  @ApiProperty({ example: 'ada@example.com' }) @IsEmail() @Length(3, 320) email!: string;
  @ApiPropertyOptional({ example: 'Europe/London' }) @IsOptional() @IsTimezone() timezone?: string;
  @ApiPropertyOptional({ type: [String], example: ['VIP'], description: 'Up to 50 distinct group names of 1 to 100 characters (trimmed)' })
  @OptionalNotNull()
  @GroupNames(0)
  groups?: string[];
}

export class UpdateClientDto {
  @ApiPropertyOptional({ example: 'Ada King' }) @OptionalNotNull() @IsString() @Length(1, 200) @NotBlank() name?: string;
  @ApiPropertyOptional({ example: 'ada@example.com' }) @OptionalNotNull() @IsEmail() @Length(3, 320) email?: string;
  @ApiPropertyOptional({ nullable: true, example: 'Europe/London', description: 'null clears it (the tenant time zone applies)' })
  @IsOptional()
  @IsTimezone()
  timezone?: string | null;
  @ApiPropertyOptional({ type: [String], example: ['VIP', 'Mornings'], description: 'Replaces the whole list; [] removes every group' })
  @OptionalNotNull()
  @GroupNames(0)
  groups?: string[];
}

export class ListClientsQuery {
  @ApiPropertyOptional({ description: 'Matches name or email' }) @IsOptional() @IsString() @Length(1, 100) q?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() cursor?: string;
  @PageLimit() limit?: number;
}

@ApiTags('clients')
@ApiBearerAuth()
@Controller('v1/clients')
export class ClientsController {
  constructor(private readonly clients: ClientDirectory) {}

  @Roles('admin', 'staff')
  @Post()
  create(@CurrentTenant() tenant: TenantPrincipal, @Body() body: CreateClientDto, @Req() req: Request) {
    return this.clients.create(tenant.tenantId, newId(req, 'client'), body);
  }

  /** Changes any of name, email, timezone (null clears it) and groups (replaces the list); answers with the client. */
  @Roles('admin', 'staff')
  @Patch(':id')
  async update(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'client_not_found') id: string, @Body() body: UpdateClientDto) {
    const { name, email, timezone, groups } = body;
    if ([name, email, timezone, groups].every((v) => v === undefined)) throw new ApiError(400, 'validation_failed', 'Nothing to change: the body is empty.');
    const client = await this.clients.update(tenant.tenantId, id, { name, email, timezone, groups });
    if (!client) throw notFound();
    return client;
  }

  @Roles('admin', 'staff')
  @Get(':id')
  async get(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'client_not_found') id: string) {
    const client = await this.clients.get(tenant.tenantId, id);
    if (!client) throw notFound();
    return client;
  }

  @Roles('admin', 'staff')
  @Get()
  async list(@CurrentTenant() tenant: TenantPrincipal, @Query() query: ListClientsQuery) {
    const limit = query.limit ?? 20;
    const rows = await this.clients.list(tenant.tenantId, { q: query.q, cursor: query.cursor, limit: limit + 1 });
    return { items: rows.slice(0, limit), nextCursor: rows.length > limit ? rows[limit - 1].id : null };
  }
}

function notFound() {
  return new ApiError(404, 'client_not_found', 'Client not found.');
}
