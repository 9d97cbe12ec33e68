import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ReadStore } from '@punchcard/read-store';
import { SCHEDULES } from '@punchcard/projections';
import { CurrentTenant, Roles } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { ScheduleSlotsQuery, SlotsQuery } from '../bookings/bookings.dto';
import { ApiError } from '../http/problem';
import { UuidParam } from '../http/uuid-param';
import { READ_STORE } from '../tokens';
import { checkSlotRange, SlotFinder } from './slot-finder';

/** Bookable slots, for a schedule or for a session type across the schedules offering it. */
@ApiTags('slots')
@ApiBearerAuth()
@Controller('v1')
export class SlotsController {
  constructor(
    private readonly finder: SlotFinder,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  @Roles('admin', 'staff')
  @Get('schedules/:id/slots')
  async forSchedule(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'schedule_not_found') id: string, @Query() query: ScheduleSlotsQuery) {
    const schedule = await this.finder.loadSchedule(tenant.tenantId, id);
    if (!schedule.exists) throw new ApiError(404, 'schedule_not_found', 'Schedule not found.');
    const viewerZone = query.timezone ?? schedule.timezone;
    checkSlotRange(query);
    const sessionTypeIds = query.sessionTypeId ? [query.sessionTypeId].filter((s) => schedule.sessionTypeIds.includes(s)) : schedule.sessionTypeIds;
    const slots = await this.finder.find(tenant.tenantId, schedule, sessionTypeIds, { from: query.from, to: query.to, viewerZone });
    return { scheduleId: id, timezone: viewerZone, from: query.from, to: query.to, slots };
  }

  @Roles('admin', 'staff')
  @Get('session-types/:id/slots')
  async forSessionType(@CurrentTenant() tenant: TenantPrincipal, @UuidParam('id', 'session_type_not_found') id: string, @Query() query: SlotsQuery) {
    const sessionType = await this.finder.loadSessionType(tenant.tenantId, id);
    if (!sessionType.exists) throw new ApiError(404, 'session_type_not_found', 'Session type not found.');
    checkSlotRange(query);
    const slots = [];
    for (const scheduleId of await this.schedulesOffering(tenant.tenantId, id)) {
      const schedule = await this.finder.loadSchedule(tenant.tenantId, scheduleId);
      if (!schedule.exists || !schedule.sessionTypeIds.includes(id)) continue;
      slots.push(...(await this.finder.find(tenant.tenantId, schedule, [id], { from: query.from, to: query.to, viewerZone: query.timezone ?? 'UTC' })));
    }
    slots.sort((a, b) => a.start.localeCompare(b.start) || a.scheduleId.localeCompare(b.scheduleId));
    return { sessionTypeId: id, timezone: query.timezone ?? 'UTC', from: query.from, to: query.to, slots };
  }

  /** Active schedules (from the schedules read model) that list the session type. */
  private async schedulesOffering(tenantId: string, sessionTypeId: string): Promise<string[]> {
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.readStore.find<{ id: string; sessionTypeIds: string[] }>(SCHEDULES, tenantId, { where: { active: true }, after, limit: 200 });
      ids.push(...page.filter((d) => d.data.sessionTypeIds.includes(sessionTypeId)).map((d) => d.id));
      if (page.length < 200) return ids;
      after = page.at(-1)!.id;
    }
  }
}
