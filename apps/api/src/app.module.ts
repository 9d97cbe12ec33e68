import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthGuard } from './auth/auth.guard';
import { RateLimitGuard, rateLimitModule } from './rate-limit/rate-limit.guard';
import { BookingStreams } from './bookings/booking-streams';
import { BookingsController } from './bookings/bookings.controller';
import { ChangeBookingHandler } from './bookings/change-booking/change-booking.command';
import { PlaceBookingHandler } from './bookings/place-booking/place-booking.command';
import { BookingReader } from './bookings/queries/booking-reader';
import { SlotFinder } from './slots/slot-finder';
import { OfferingDeletion } from './offerings/delete-offering/offering-deletion';
import { OfferingBadges } from './offerings/queries/offering-badges';
import { SlotsController } from './slots/slots.controller';
import { UnitOfWorkExecutor } from './write-side/unit-of-work';
import { KeyStore } from './auth/key-store';
import { ClientDirectory } from './clients/client-directory';
import { ClientsController } from './clients/clients.controller';
import { ExpirySweep } from './expiry-sweep/expiry-sweep';
import { Scheduler } from './expiry-sweep/scheduler';
import { HealthController } from './health/health.controller';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { ProblemFilter } from './http/problem.filter';
import { ReadYourWritesInterceptor } from './http/read-your-writes';
import { Config, Infrastructure } from '@punchcard/platform';
import { CreateOfferingHandler } from './offerings/create-offering/create-offering.command';
import { OfferingsController } from './offerings/offerings.controller';
import { GetOfferingHandler, ListOfferingsHandler } from './offerings/queries/offering.queries';
import { UpdateOfferingHandler } from './offerings/update-offering/update-offering.command';
import { ChangePackageHandler } from './packages/change-package/change-package.command';
import { PackagesController } from './packages/packages.controller';
import { PurchasePackageHandler } from './packages/purchase-package/purchase-package.command';
import { GetLedgerHandler, GetPackageHandler, ListPackagesHandler } from './packages/queries/package.queries';
import { CreateScheduleHandler } from './schedules/create-schedule/create-schedule.command';
import { GetScheduleHandler, ListSchedulesHandler } from './schedules/queries/schedule.queries';
import { SchedulesController } from './schedules/schedules.controller';
import { UpdateScheduleHandler } from './schedules/update-schedule/update-schedule.command';
import { CreateSessionTypeHandler } from './session-types/create-session-type/create-session-type.command';
import { GetSessionTypeHandler, ListSessionTypesHandler } from './session-types/queries/session-type.queries';
import { SessionTypesController } from './session-types/session-types.controller';
import { UpdateSessionTypeHandler } from './session-types/update-session-type/update-session-type.command';
import { TenantDirectory } from './tenants/tenant-directory';
import { PackageExportsController } from './exports/package-exports.controller';
import { ClientPackagesController } from './point-in-time/client-packages.controller';
import { GetClientPackagesHandler } from './point-in-time/client-packages.query';
import { GetPackageAsOfHandler } from './point-in-time/package-as-of.query';
import { PackageReplay } from './point-in-time/package-replay';
import { TenantsController } from './tenants/tenants.controller';
import { AccountingController } from './reports/reports.controller';
import { APP_CONFIG, Clock, CLOCK, EVENT_STORE, PG_POOL, PROJECTION_RUNNER, READ_STORE, SYSTEM_POOL, systemClock } from './tokens';
import { ClientTokens } from './client-tokens/client-tokens';
import { API_KEY_CONTROLLERS, API_KEY_PROVIDERS } from './api-keys';
import { ME_CONTROLLERS, ME_PROVIDERS } from './me';
import { StreamExecutor } from './write-side/stream-executor';
import { OfferingUsageController, UsageExportController } from './usage/usage.controller';
import { UsageReader } from './usage/queries/usage-reader';

@Module({})
export class AppModule {
  /** The connections are built outside Nest (see infrastructure/) and passed in as values. */
  static create(infrastructure: Infrastructure, config: Config, clock: Clock = systemClock): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot(), ScheduleModule.forRoot(), rateLimitModule(config)],
      controllers: [HealthController, TenantsController, ClientsController, OfferingsController, PackagesController, SessionTypesController, SchedulesController, BookingsController, SlotsController, ClientPackagesController, PackageExportsController, OfferingUsageController, UsageExportController, AccountingController, ...API_KEY_CONTROLLERS, ...ME_CONTROLLERS],
      providers: [
        { provide: PG_POOL, useValue: infrastructure.pool },
        { provide: SYSTEM_POOL, useValue: infrastructure.system.pool },
        { provide: EVENT_STORE, useValue: infrastructure.eventStore },
        { provide: READ_STORE, useValue: infrastructure.readStore },
        { provide: PROJECTION_RUNNER, useValue: infrastructure.runner },
        { provide: APP_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        { provide: APP_GUARD, useClass: AuthGuard },
        // After AuthGuard (global guards run in registration order): it charges the authenticated credential.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: APP_INTERCEPTOR, useClass: ReadYourWritesInterceptor },
        KeyStore,
        ClientTokens,
        ...API_KEY_PROVIDERS,
        ...ME_PROVIDERS,
        TenantDirectory,
        ClientDirectory,
        StreamExecutor,
        UnitOfWorkExecutor,
        BookingStreams,
        PlaceBookingHandler,
        ChangeBookingHandler,
        BookingReader,
        UsageReader,
        SlotFinder,
        OfferingDeletion,
        OfferingBadges,
        ExpirySweep,
        Scheduler,
        CreateOfferingHandler,
        UpdateOfferingHandler,
        GetOfferingHandler,
        ListOfferingsHandler,
        PurchasePackageHandler,
        ChangePackageHandler,
        GetPackageHandler,
        ListPackagesHandler,
        GetLedgerHandler,
        PackageReplay,
        GetPackageAsOfHandler,
        GetClientPackagesHandler,
        CreateSessionTypeHandler,
        UpdateSessionTypeHandler,
        GetSessionTypeHandler,
        ListSessionTypesHandler,
        CreateScheduleHandler,
        UpdateScheduleHandler,
        GetScheduleHandler,
        ListSchedulesHandler,
      ],
    };
  }
}
