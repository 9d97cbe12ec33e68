import { Controller, Get, Inject, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ClientOnly, CurrentClient } from '../auth/auth.decorators';
import { ClientPrincipal } from '../auth/principal';
import { ReadYourWritesParams } from '../http/read-your-writes';
import { UuidParam } from '../http/uuid-param';
import { GetClientPackagesQuery, GetLedgerQuery } from '../packages';
import { Clock, CLOCK } from '../tokens';
import { toClientLedgerEntry, toClientPackage } from './client-views';
import { MyLedgerParams, MyPackagesParams } from './me.dto';
import { MyPackageQuery, MyProfileQuery, packageNotFound } from './queries/me.queries';

/** The client's own profile, packages and ledger (client token only). */
@ApiTags('me')
@ApiBearerAuth()
@Controller('v1/me')
export class MeController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @ClientOnly()
  @Get()
  async profile(@CurrentClient() me: ClientPrincipal) {
    const { id, name, email, timezone } = await this.queries.execute(new MyProfileQuery(me));
    return { id, name, email, timezone };
  }

  /** A page of your packages, newest purchase first, each with its progress ("session 2 of 6") and effective status. */
  @ClientOnly()
  @Get('packages')
  async packages(@CurrentClient() me: ClientPrincipal, @Query() query: MyPackagesParams) {
    const found = await this.queries.execute(new GetClientPackagesQuery(me.tenantId, me.clientId, null, { cursor: query.cursor, limit: query.limit ?? 20 }));
    const now = this.clock.now().toISOString();
    return { items: (found?.items ?? []).map((item) => toClientPackage(item, now)), nextCursor: found?.nextCursor ?? null };
  }

  @ClientOnly()
  @Get('packages/:id')
  async package(@CurrentClient() me: ClientPrincipal, @UuidParam('id', 'package_not_found') id: string, @Query() _: ReadYourWritesParams) {
    return toClientPackage(await this.queries.execute(new MyPackageQuery(me, id)), this.clock.now().toISOString());
  }

  /** Every credit movement with the balance after it, oldest first. */
  @ClientOnly()
  @Get('packages/:id/ledger')
  async ledger(@CurrentClient() me: ClientPrincipal, @UuidParam('id', 'package_not_found') id: string, @Query() query: MyLedgerParams) {
    await this.queries.execute(new MyPackageQuery(me, id));
    const page = await this.queries.execute(new GetLedgerQuery(me.tenantId, id, null, query.cursor, query.limit ?? 100));
    if (!page) throw packageNotFound();
    return { packageId: id, balance: page.balance, entries: page.entries.map(toClientLedgerEntry), nextCursor: page.nextCursor };
  }
}
