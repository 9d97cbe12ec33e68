import { DynamicModule, Module } from '@nestjs/common';
import { Config, Infrastructure } from '@punchcard/platform';
import { CqrsModule } from '@nestjs/cqrs';
import { ScheduleModule } from '@nestjs/schedule';
import { AccountingPolicyModule } from './accounting-policy';
import { ApiKeysModule } from './api-keys';
import { BookingsModule } from './bookings';
import { BusyCalendarsModule } from './busy-calendars';
import { CalendarFeedsModule } from './calendar-feeds';
import { ClientsModule } from './clients';
import { CoreModule } from './core.module';
import { ExportsModule } from './exports';
import { HealthModule } from './health';
import { MeModule } from './me';
import { MessagesModule } from './messages';
import { OfferingDeletionModule } from './offering-deletion';
import { OfferingsModule } from './offerings';
import { OutboundWebhooksModule } from './outbound-webhooks';
import { PackagesModule } from './packages';
import { PaymentsModule } from './payments';
import { ReportsModule } from './reports';
import { SchedulesModule } from './schedules';
import { SessionTypesModule } from './session-types';
import { SlotsModule } from './slots';
import { StorefrontModule } from './storefront';
import { TenantsModule } from './tenants';
import { Clock, systemClock } from './tokens';
import { UsageModule } from './usage';

/** The composition root: the shared core, then one module per feature (docs/architecture.md, "Features"). */
@Module({})
export class AppModule {
  static create(infrastructure: Infrastructure, config: Config, clock: Clock = systemClock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        ScheduleModule.forRoot(),
        CoreModule.forRoot(infrastructure, config, clock),
        HealthModule,
        TenantsModule,
        ClientsModule,
        ApiKeysModule,
        OfferingsModule,
        OfferingDeletionModule,
        PackagesModule,
        SessionTypesModule,
        SchedulesModule,
        BookingsModule,
        SlotsModule,
        BusyCalendarsModule,
        UsageModule,
        ReportsModule,
        AccountingPolicyModule,
        ExportsModule,
        MeModule,
        StorefrontModule,
        PaymentsModule,
        OutboundWebhooksModule,
        MessagesModule,
        CalendarFeedsModule,
      ],
    };
  }
}
