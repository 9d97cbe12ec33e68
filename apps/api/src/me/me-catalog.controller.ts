import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ClientOnly, CurrentClient } from '../auth/auth.decorators';
import { ClientPrincipal } from '../auth/principal';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { UuidParam } from '../http/uuid-param';
import { ScheduleSlotsParams } from '../slots';
import { toClientOffering } from './client-views';
import { MyOfferingsQuery, MyScheduleSlotsQuery, MySchedulesQuery } from './queries/me.queries';

/**
 * What a client app needs to choose and book a session: the offerings visible to the client, the
 * schedules those offerings reach, and their free slots. A schedule no visible offering reaches
 * answers 404, as an unknown one does.
 */
@ApiTags('me')
@ApiBearerAuth()
@Controller('v1/me')
export class MeCatalogController {
  constructor(private readonly queries: QueryBus) {}

  /** Offerings on sale to the client's groups, plus those of packages the client can still book with; newest first. */
  @ClientOnly()
  @Get('offerings')
  async offerings(@CurrentClient() me: ClientPrincipal, @Query() _: ReadYourWritesParams) {
    return { items: (await this.queries.execute(new MyOfferingsQuery(me))).map(toClientOffering) };
  }

  /** Active schedules the client's visible offerings can book, with the session types they can book there. */
  @ClientOnly()
  @Get('schedules')
  async schedules(@CurrentClient() me: ClientPrincipal, @Query() _: ReadYourWritesParams) {
    return { items: await this.queries.execute(new MySchedulesQuery(me)) };
  }

  /**
   * Free slots of a schedule for the session types the client can book there. Dates and local times
   * are in `timezone`, by default the client's own zone (else the schedule's).
   */
  @ClientOnly()
  @Get('schedules/:id/slots')
  slots(@CurrentClient() me: ClientPrincipal, @UuidParam('id', 'schedule_not_found') id: string, @Query() query: ScheduleSlotsParams) {
    const { from, to, timezone, sessionTypeId } = query;
    return this.queries.execute(new MyScheduleSlotsQuery(me, id, { from, to, timezone, sessionTypeId }));
  }
}
