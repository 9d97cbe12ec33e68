import { Controller, Get, Inject, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, Roles } from '../../auth/auth.decorators';
import { TenantPrincipal } from '../../auth/principal';
import { ApiError } from '../../http/problem';
import { UuidParam } from '../../http/uuid-param';
import { Clock, CLOCK } from '../../tokens';
import { ClientPackagesParams, pastInstant } from './as-of';
import { GetClientPackagesQuery } from './client-packages.query';
import { ApiPageWith, PACKAGE_FIGURES } from '../../http/vocabulary';

/** A client's packages, now or as of a past instant ("what did this client hold on 31 March?"). */
@ApiTags('clients')
@ApiBearerAuth()
@Controller('v1/clients')
export class ClientPackagesController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** A page of the client's packages (newest first) with totals over all of them; with `asOf`, each replayed from its events as of then (packages bought later left out). */
  @Roles('admin', 'staff', 'accountant')
  @Get(':id/packages')
  @ApiPageWith(PACKAGE_FIGURES)
  async list(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'client_not_found') id: string, @Query() query: ClientPackagesParams) {
    const asOf = query.asOf === undefined ? null : pastInstant(query.asOf, this.clock.now());
    const found = await this.queries.execute(new GetClientPackagesQuery(tenant.tenantId, id, asOf, { cursor: query.cursor, limit: query.limit ?? 20 }));
    if (!found) throw new ApiError(404, 'client_not_found', 'Client not found.');
    return found;
  }
}
