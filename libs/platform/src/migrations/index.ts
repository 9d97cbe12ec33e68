import { eventStoreMigrations } from '@punchcard/event-store';
import { Migration } from '@punchcard/postgres';
import { readStoreMigrations } from '@punchcard/read-store';
import { apiKeyMigrations } from './api-key-migrations';
import { busyCalendarMigrations } from './busy-calendar-migrations';
import { appMigrations } from './app-migrations';
import { calendarFeedMigrations } from './calendar-feed-migrations';
import { clientTokenMigrations } from './client-token-migrations';
import { idempotencyMigrations } from './idempotency-migrations';
import { outboundWebhookMigrations } from './outbound-webhook-migrations';
import { messageMigrations } from './message-migrations';
import { paymentMigrations } from './payment-migrations';
import { securityMigrations } from './security-migrations';
import { storefrontMigrations } from './storefront-migrations';

/** Every migration of the service, in the order they are applied (never reorder: ids are recorded). */
export const MIGRATIONS: Migration[] = [
  ...eventStoreMigrations,
  ...readStoreMigrations,
  ...appMigrations,
  ...securityMigrations,
  ...apiKeyMigrations,
  ...clientTokenMigrations,
  ...idempotencyMigrations,
  ...storefrontMigrations,
  ...paymentMigrations,
  ...outboundWebhookMigrations,
  ...messageMigrations,
  ...busyCalendarMigrations,
  ...calendarFeedMigrations,
];
