import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ReadStore, scan } from '@punchcard/read-store';
import { ScheduleDocument, SCHEDULES } from '@punchcard/projections';
import { ClientOnly, CurrentClient } from '../auth/auth.decorators';
import { ClientPrincipal } from '../auth/principal';
import { ScheduleSlotsQuery } from '../bookings/bookings.dto';
import { ApiError } from '../http/problem';
import { ReadYourWritesQuery } from '../http/read-your-writes';
import { UuidParam } from '../http/uuid-param';
import { checkSlotRange, SlotFinder } from '../slots/slot-finder';
import { READ_STORE } from '../tokens';
import { toClientOffering } from './client-views';
import { OwnRecords, reachableSessionTypes } from './own-records';

const scheduleNotFound = () => new ApiError(404, 'schedule_not_found', 'Schedule not found.');

/**
 * What a client app needs to choose and book a session: the offerings visible to the client, the
 * schedules those offerings reach, and their free slots. A schedule no visible offering reaches
 * answers 404, as an unknown one does.
 */
@ApiTags('me')
@ApiBearerAuth()
@Controller('v1/me')
export class MeCatalogController {
  constructor(
    private readonly own: OwnRecords,
    private readonly finder: SlotFinder,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  /** Offerings on sale to the client's groups, plus those of packages the client can still book with; newest first. */
  @ClientOnly()
  @Get('offerings')
  async offerings(@CurrentClient() me: ClientPrincipal, @Query() _: ReadYourWritesQuery) {
    return { items: (await this.own.visibleOfferings(me)).map(toClientOffering) };
  }

  /** Active schedules the client's visible offerings can book, with the session types they can book there. */
  @ClientOnly()
  @Get('schedules')
  async schedules(@CurrentClient() me: ClientPrincipal, @Query() _: ReadYourWritesQuery) {
    const offerings = await this.own.visibleOfferings(me);
    const items = [];
    for await (const { data } of scan<ScheduleDocument>(this.readStore, SCHEDULES, me.tenantId, { where: { active: true } })) {
      const sessionTypeIds = reachableSessionTypes(offerings, data);
      if (sessionTypeIds.length) items.push({ id: data.id, host: data.host, timezone: data.timezone, sessionTypeIds });
    }
    return { items };
  }

  /**
   * Free slots of a schedule for the session types the client can book there. Dates and local times
   * are in `timezone`, by default the client's own zone (else the schedule's).
   */
  @ClientOnly()
  @Get('schedules/:id/slots')
  async slots(@CurrentClient() me: ClientPrincipal, @UuidParam('id', 'schedule_not_found') id: string, @Query() query: ScheduleSlotsQuery) {
    const schedule = await this.finder.loadSchedule(me.tenantId, id);
    if (!schedule.exists || !schedule.active) throw scheduleNotFound();
    const [client, offerings] = await Promise.all([this.own.profile(me), this.own.visibleOfferings(me)]);
    const reachable = reachableSessionTypes(offerings, { id, sessionTypeIds: schedule.sessionTypeIds });
    if (reachable.length === 0) throw scheduleNotFound();
    checkSlotRange(query);
    const viewerZone = query.timezone ?? client.timezone ?? schedule.timezone;
    const sessionTypeIds = query.sessionTypeId ? reachable.filter((s) => s === query.sessionTypeId) : reachable;
    const slots = await this.finder.find(me.tenantId, schedule, sessionTypeIds, { from: query.from, to: query.to, viewerZone });
    return { scheduleId: id, timezone: viewerZone, from: query.from, to: query.to, slots };
  }
}
