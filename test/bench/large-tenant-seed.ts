/**
 * Seeds one tenant's history straight into the event store: offerings, a session type, schedules,
 * packages with redemptions, bookings (with attendance), reversals, adjustments, expiry changes,
 * refunds and sweep expiries. Every event comes from the domain's own decisions (decide, placeBooking,
 * markAttendance) at a simulated business time, so the data is what the API would have written.
 * Appends are large multi-stream batches, in stream-id order like the UnitOfWork's.
 */
import { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import {
  BookingState,
  BookingTarget,
  decideOffering,
  decidePackage,
  decideSchedule,
  decideSessionType,
  DomainError,
  DomainEvent,
  evolveBooking,
  evolveOffering,
  evolvePackage,
  evolveSchedule,
  evolveScheduleDay,
  evolveSessionType,
  initialBookingState,
  initialOfferingState,
  initialPackageState,
  initialScheduleDayState,
  initialScheduleState,
  initialSessionTypeState,
  markAttendance,
  OFFERING_FIELD_DEFAULTS,
  OfferingState,
  PackageCommand,
  PackageEvent,
  PackageState,
  placeBooking,
  ScheduleDayState,
  scheduleDayStreamId,
  ScheduleState,
  SessionTypeState,
  CURRENT_SCHEMA_VERSION,
} from '@punchcard/domain';
import { EventStore, NewEvent, StreamWrite } from '@punchcard/event-store';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HISTORY_DAYS = 400;
const PACKAGES_PER_APPEND = 200;
const ADMIN = { id: 'api-key:bench', role: 'admin' };
const SWEEP = { id: 'system:expiry-sweep', role: 'system' };

export interface SeedSize {
  events: number;
  clients: number;
  packages: number;
  /** Events of the one long package (the point-in-time replay target). */
  bigPackageEvents: number;
}

/** 1,000,000 events → 10,000 clients, 20,000 packages and one package of 1,000 events. */
export function seedSize(events: number): SeedSize {
  return {
    events,
    clients: Math.max(10, Math.round(events / 100)),
    packages: Math.max(20, Math.round(events / 50)),
    bigPackageEvents: Math.min(1000, Math.floor(events / 5)),
  };
}

export interface SeededTenant {
  events: number;
  clientIds: string[];
  offeringIds: string[];
  packageIds: string[];
  bigPackageId: string;
  /** The history spans [from, now]. */
  from: number;
}

/** A small deterministic PRNG (mulberry32), so two runs seed the same shape of history. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)), pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Events of one append, grouped per stream (one write per stream, at the version before the append). */
class Batch {
  private readonly writes = new Map<string, StreamWrite>();
  size = 0;

  constructor(
    private readonly versions: Map<string, number>,
    private readonly tenantId: string,
  ) {}

  add(streamId: string, event: DomainEvent, at: number, actor = ADMIN): void {
    const version = this.versions.get(streamId) ?? 0;
    let write = this.writes.get(streamId);
    if (!write) this.writes.set(streamId, (write = { streamId, expectedVersion: version, events: [] }));
    write.events.push(stamp(event, this.tenantId, at, actor));
    this.versions.set(streamId, version + 1);
    this.size++;
  }

  /** Stream-id order, as the UnitOfWork appends: a booking's event precedes its package's redemption. */
  take(): StreamWrite[] {
    const writes = [...this.writes.values()].sort((a, b) => (a.streamId < b.streamId ? -1 : 1));
    this.writes.clear();
    this.size = 0;
    return writes;
  }
}

function stamp(event: DomainEvent, tenantId: string, at: number, actor: { id: string; role: string }): NewEvent {
  return {
    eventId: uuidv7(),
    type: event.type,
    schemaVersion: CURRENT_SCHEMA_VERSION[event.type] ?? 1,
    data: event.data,
    metadata: { tenantId, actor, correlationId: uuidv7(), causationId: null, idempotencyKey: null, occurredAt: iso(at) },
  };
}

type Offering = Extract<OfferingState, { exists: true }>;

export async function seedTenant(store: EventStore, pool: Pool, tenantId: string, size: SeedSize, seed = 1): Promise<SeededTenant> {
  const rnd = random(seed);
  const now = Date.now() - 60_000;
  const from = now - HISTORY_DAYS * DAY;
  const versions = new Map<string, number>();
  let appended = 0;
  let pending: Promise<unknown> = Promise.resolve();
  // One append in flight while the next batch is generated; appends stay in order (day streams span batches).
  const flush = async (batch: Batch) => {
    if (batch.size === 0) return;
    const count = batch.size;
    const writes = batch.take();
    await pending;
    pending = store.append(writes).then(() => (appended += count));
  };

  // Clients (the directory is a plain table).
  const clientIds = Array.from({ length: size.clients }, (_, i) => uuidv7({ msecs: from - DAY + i }));
  for (let i = 0; i < clientIds.length; i += 5000) {
    const ids = clientIds.slice(i, i + 5000);
    await pool.query(
      `INSERT INTO clients (tenant_id, id, name, email) SELECT $1, id, 'Client ' || (n + $3), 'client' || (n + $3) || '@bench.test' FROM unnest($2::uuid[]) WITH ORDINALITY AS c(id, n)`,
      [tenantId, ids, i],
    );
  }

  // Catalogue: offerings, one group session type, schedules open 06:00-22:00 UTC.
  const catalogue = new Batch(versions, tenantId);
  const offerings: Offering[] = [];
  const shapes: [number, number, number | null][] = [[5, 25000, 90], [10, 45000, 90], [20, 80000, 180], [30, 110000, 180], [50, 170000, 365], [80, 250000, 365], [100, 300000, null]];
  for (const [i, [sessionCount, amount, days]] of shapes.entries()) {
    const offeringId = uuidv7({ msecs: from - DAY + i });
    const fields = { ...structuredClone(OFFERING_FIELD_DEFAULTS), name: `${sessionCount} sessions`, description: null, sessionCount, price: { amount, currency: 'USD' }, validity: days === null ? ({ kind: 'none' } as const) : ({ kind: 'days', days } as const) };
    const events = decideOffering({ type: 'CreateOffering', offeringId, fields, status: 'active' }, initialOfferingState);
    events.forEach((e) => catalogue.add(`offering-${offeringId}`, e, from - DAY));
    offerings.push(events.reduce(evolveOffering, initialOfferingState) as Offering);
  }
  const bigOfferingId = uuidv7({ msecs: from - DAY + 100 });
  const bigFields = { ...structuredClone(OFFERING_FIELD_DEFAULTS), name: '1000 sessions', description: null, sessionCount: 1000, price: { amount: 1_000_000, currency: 'USD' }, validity: { kind: 'none' } as const };
  const bigOfferingEvents = decideOffering({ type: 'CreateOffering', offeringId: bigOfferingId, fields: bigFields, status: 'active' }, initialOfferingState);
  bigOfferingEvents.forEach((e) => catalogue.add(`offering-${bigOfferingId}`, e, from - DAY));
  const bigOffering = bigOfferingEvents.reduce(evolveOffering, initialOfferingState) as Offering;

  const sessionTypeId = uuidv7({ msecs: from - DAY });
  const sessionTypeFields = { name: 'Group class', description: null, coverImageUrl: null, durationMinutes: 60, capacity: 500, price: { amount: 3000, currency: 'USD' }, nonMemberPrice: null, location: null, bufferMinutes: 0, minLeadHours: 0, maxLeadDays: null, maxSessionsPerDay: null };
  const sessionTypeEvents = decideSessionType({ type: 'CreateSessionType', sessionTypeId, fields: sessionTypeFields, status: 'active' }, initialSessionTypeState);
  sessionTypeEvents.forEach((e) => catalogue.add(`session-type-${sessionTypeId}`, e, from - DAY));
  const sessionType = sessionTypeEvents.reduce(evolveSessionType, initialSessionTypeState as SessionTypeState) as Extract<SessionTypeState, { exists: true }>;
  const hours = [{ start: '06:00', end: '22:00' }];
  const weeklyHours = { monday: hours, tuesday: hours, wednesday: hours, thursday: hours, friday: hours, saturday: hours, sunday: hours };
  const targets: BookingTarget[] = [];
  for (let i = 0; i < 4; i++) {
    const scheduleId = uuidv7({ msecs: from - DAY + i });
    const events = decideSchedule({ type: 'CreateSchedule', scheduleId, fields: { host: `Host ${i}`, timezone: 'UTC', weeklyHours, overrides: [], sessionTypeIds: [sessionTypeId], active: true } }, initialScheduleState);
    events.forEach((e) => catalogue.add(`schedule-${scheduleId}`, e, from - DAY));
    const schedule = events.reduce(evolveSchedule, initialScheduleState as ScheduleState) as Extract<ScheduleState, { exists: true }>;
    targets.push({ scheduleId, schedule, sessionTypeId, sessionType });
  }
  await flush(catalogue);

  const days = new Map<string, ScheduleDayState>();
  const packageIds: string[] = [];
  let producedEvents = bigOfferingEvents.length + sessionTypeEvents.length + offerings.length + targets.length;
  let eventsPerAction = 1.8;
  let actionsSoFar = 0;
  let packageEventsSoFar = 0;

  /** Plays one package's life in business-time order, adding its events to the two batches. */
  const simulate = (input: { offering: Offering; clientId: string; purchaseAt: number; actions: number; bookings: boolean; closings: boolean; purchases: Batch; rest: Batch }) => {
    const { offering, clientId, purchases, rest } = input;
    const packageId = uuidv7({ msecs: input.purchaseAt });
    const stream = `package-${packageId}`;
    const client = { clientId, groups: [], timezone: null };
    let state: PackageState = initialPackageState;
    let last = input.purchaseAt;
    const apply = (events: PackageEvent[], at: number, batch: Batch, actor = ADMIN) => {
      for (const event of events) {
        state = evolvePackage(state, event);
        batch.add(stream, event, at, actor);
        producedEvents++;
        last = at;
      }
    };
    const decide = (command: PackageCommand, at: number) => decidePackage(command, state, { now: iso(at), timezone: 'UTC' });
    const payment = { method: rnd.pick(['cash', 'card', 'bank_transfer', 'card', 'comp'] as const), reference: null };
    apply(decide({ type: 'PurchasePackage', packageId, clientId, offering, payment, clientGroups: [], visibilityOverride: null }, input.purchaseAt), input.purchaseAt, purchases);
    if (!state.exists) throw new Error('purchase failed');
    const expiresAt = state.expiresAt === null ? null : Date.parse(state.expiresAt);
    const end = Math.min(expiresAt ?? now, now);

    // Actions at random instants, plus deferred attendance of bookings, all run in time order.
    const queue: { at: number; run: () => void }[] = Array.from({ length: input.actions }, () => input.purchaseAt + 1 + Math.floor(rnd.next() * (end - input.purchaseAt - 1)))
      .sort((a, b) => a - b)
      .map((at) => ({ at, run: () => act(at) }));
    const enqueue = (at: number, run: () => void) => {
      let i = queue.length;
      while (i > 0 && queue[i - 1].at > at) i--;
      queue.splice(i, 0, { at, run });
    };
    const manual: string[] = [];

    const book = (at: number) => {
      // The next whole hour at least two days ahead, within the schedules' 06:00-22:00.
      let start = Math.ceil((at + 2 * DAY) / HOUR) * HOUR;
      const hour = new Date(start).getUTCHours();
      if (hour < 6) start += (6 - hour) * HOUR;
      if (hour > 21) start += (24 - hour + 6) * HOUR;
      if (expiresAt !== null && start >= expiresAt) return;
      const target = rnd.pick(targets);
      const date = iso(start).slice(0, 10);
      const dayStream = scheduleDayStreamId(target.scheduleId, date);
      const bookingId = uuidv7({ msecs: at });
      const decision = placeBooking({ booking: initialBookingState, day: days.get(dayStream) ?? initialScheduleDayState, pkg: state, offering, target, client, otherPackages: [] }, { bookingId, start: iso(start) }, { now: iso(at), timezone: 'UTC' });
      let booking: BookingState = initialBookingState;
      for (const event of decision.booking) {
        booking = evolveBooking(booking, event);
        rest.add(`booking-${bookingId}`, event, at);
        producedEvents++;
      }
      for (const event of Object.values(decision.days).flat()) {
        days.set(dayStream, evolveScheduleDay(days.get(dayStream) ?? initialScheduleDayState, event));
        rest.add(dayStream, event, at);
        producedEvents++;
      }
      apply(decision.package, at, rest);
      const markedAt = start + HOUR + rnd.int(0, 30) * 60_000;
      if (markedAt > now) return;
      enqueue(markedAt, () => {
        const attendance = rnd.next() < 0.85 ? 'attended' : 'no_show';
        const marked = markAttendance({ booking, pkg: state, offering }, { attendance }, { now: iso(markedAt), timezone: 'UTC' });
        for (const event of marked.booking) {
          rest.add(`booking-${bookingId}`, event, markedAt);
          producedEvents++;
        }
        apply(marked.package, markedAt, rest);
      });
    };

    // Per package, about one in 20 is refunded and one in 10 extended; per action, mostly redemptions.
    const act = (at: number) => {
      if (input.closings && rnd.next() < 0.05 / input.actions) {
        return apply(decide({ type: 'RefundPackage', credits: null, amount: null, reason: 'Client moved away' }, at), at, rest);
      }
      if (state.exists && state.expiresAt && rnd.next() < 0.1 / input.actions) {
        const extended = iso(Date.parse(state.expiresAt) + 30 * DAY);
        return apply(decide({ type: 'ChangeExpiry', expiresAt: extended, reason: 'Client was ill' }, at), at, rest);
      }
      const r = rnd.next();
      if (r < 0.25 && input.bookings) return book(at);
      if (r < 0.86) {
        const redemptionId = uuidv7({ msecs: at });
        apply(decide({ type: 'RedeemSession', redemptionId, bookingId: null, serviceId: null, note: null, sessionAt: null }, at), at, rest);
        return manual.push(redemptionId);
      }
      if (r < 0.93 && manual.length) {
        const [redemptionId] = manual.splice(rnd.int(0, manual.length - 1), 1);
        return apply(decide({ type: 'ReverseRedemption', redemptionId, reason: 'Deducted by mistake' }, at), at, rest);
      }
      apply(decide({ type: 'AdjustCredits', delta: rnd.next() < 0.6 ? 1 : -1, reason: 'Goodwill, class cancelled' }, at), at, rest);
    };

    while (queue.length) {
      const { run } = queue.shift()!;
      try {
        run();
      } catch (error) {
        // The domain refused (no credits left, expired, refunded…): such a request records nothing.
        if (!(error instanceof DomainError)) throw error;
      }
    }
    // Most expired packages were swept a moment after their expiry; a few are still waiting for the sweep.
    if (state.exists && state.lifecycle === 'active' && state.expiresAt !== null && rnd.next() < 0.9) {
      const sweptAt = Math.max(Date.parse(state.expiresAt), last) + rnd.int(1, 60) * 1000;
      if (sweptAt <= now) apply(decide({ type: 'ExpirePackage' }, sweptAt), sweptAt, rest, SWEEP);
    }
    packageIds.push(packageId);
    return packageId;
  };

  // The long package: 1,000 events over the whole history, manual movements only.
  const purchases = new Batch(versions, tenantId);
  const rest = new Batch(versions, tenantId);
  const bigPackageId = simulate({ offering: bigOffering, clientId: clientIds[0], purchaseAt: from, actions: size.bigPackageEvents - 1, bookings: false, closings: false, purchases, rest });
  await flush(purchases);
  await flush(rest);

  for (let p = 1; p < size.packages; p++) {
    const remaining = size.events - producedEvents;
    const budget = Math.max(0, (remaining / (size.packages - p) - 1) / eventsPerAction);
    const actions = Math.round(budget * (0.5 + rnd.next()));
    const fitting = offerings.filter((o) => o.sessionCount >= actions * 0.9);
    const offering = fitting.length ? rnd.pick(fitting) : offerings[offerings.length - 1];
    const purchaseAt = from + Math.floor(rnd.next() * (now - DAY - from));
    const before = producedEvents;
    simulate({ offering, clientId: rnd.pick(clientIds), purchaseAt, actions, bookings: true, closings: true, purchases, rest });
    actionsSoFar += actions;
    packageEventsSoFar += producedEvents - before - 1;
    if (actionsSoFar > 500) eventsPerAction = Math.max(0.5, packageEventsSoFar / actionsSoFar);
    if (p % PACKAGES_PER_APPEND === 0) {
      await flush(purchases);
      await flush(rest);
    }
  }
  await flush(purchases);
  await flush(rest);
  await pending;
  return { events: appended, clientIds, offeringIds: offerings.map((o) => o.offeringId), packageIds, bigPackageId, from };
}
