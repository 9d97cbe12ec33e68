import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { ReadYourWritesParams, sendPosition } from '../http/read-your-writes';
import { UuidParam } from '../http/uuid-param';
import { toOfferingView } from '../offerings';
import { commandContext } from '../write-side/command-context';
import { OfferingDeletion } from './offering-deletion';
import { DeleteOfferingDto } from './offering-deletion.dto';

/** Deleting an offering: a process over the offering and its upcoming bookings (docs/architecture.md). */
@ApiTags('offerings')
@ApiBearerAuth()
@Controller('v1/offerings')
export class OfferingDeletionController {
  constructor(private readonly deletion: OfferingDeletion) {}

  /** What deleting would do: upcoming bookings it would cancel (their credits return) and the clients holding them. */
  @Roles('admin')
  @Get(':id/deletion-preview')
  @ApiOperation({ operationId: 'OfferingsController_deletionPreview', summary: undefined }) // published before the move: generated clients keep the name
  deletionPreview(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'offering_not_found') id: string, @Query() _: ReadYourWritesParams) {
    return this.deletion.preview(tenant.tenantId, id);
  }

  /**
   * Deletes the offering: nothing more is sold or booked from it, its upcoming bookings are cancelled
   * and their credits returned (rule offering_deleted). Past bookings, events and reports stay.
   * Repeating the call resumes an interrupted deletion.
   */
  @Roles('admin')
  @Post(':id/deletion')
  @ApiOperation({ operationId: 'OfferingsController_delete', summary: undefined }) // published before the move: generated clients keep the name
  async delete(
    @CurrentTenant() tenant: TenantPrincipal,
    @UuidParam('id', 'offering_not_found') id: string,
    @Body() body: DeleteOfferingDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const result = await this.deletion.delete(id, body.reason ?? null, commandContext(tenant, req));
    if (result.position) sendPosition(res, result.position);
    return { offering: toOfferingView(result.offering), cancelledBookings: result.cancelledBookings, clientsAffected: result.clientsAffected };
  }
}
