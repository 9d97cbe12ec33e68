import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Answer, call, OPERATOR_KEY } from './server';

/** A tenant with a bookable schedule, an offering, clients and their packages, set up over HTTP. */
export interface Studio {
  key: string;
  tenantId: string;
  offeringId: string;
  scheduleId: string;
  sessionTypeId: string;
  /** Client id → the ids of the packages sold to that client (acknowledged sales only). */
  packagesByClient: Map<string, string[]>;
}

const ALL_DAY = [{ start: '00:00', end: '24:00' }];
const EVERY_DAY = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [day, ALL_DAY]));

export async function setupStudio(base: string, clients: number): Promise<Studio> {
  const created = async (path: string, key: string, body: unknown) => {
    const res = await call(base, 'POST', path, { key, body });
    if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const tenant = await created('/v1/tenants', OPERATOR_KEY, { name: `Chaos ${randomUUID().slice(0, 8)}`, timezone: 'UTC', currency: 'USD' });
  const key = tenant.adminApiKey as string;
  const sessionType = await created('/v1/session-types', key, { name: 'Class', durationMinutes: 30, price: { amount: 1000, currency: 'USD' }, capacity: 3 });
  const schedule = await created('/v1/schedules', key, { host: 'Coach', timezone: 'UTC', weeklyHours: EVERY_DAY, sessionTypeIds: [sessionType.id] });
  const offering = await created('/v1/offerings', key, {
    name: 'Ten classes',
    sessionCount: 10,
    price: { amount: 10000, currency: 'USD' },
    validityDays: 365,
    scheduleId: schedule.id,
    sessionTypeIds: [sessionType.id],
  });
  const packagesByClient = new Map<string, string[]>();
  for (let i = 0; i < clients; i++) {
    const client = await created('/v1/clients', key, { name: `Client ${i}`, email: `client-${i}-${randomUUID().slice(0, 8)}@example.com` });
    const sold = await created('/v1/packages', key, { offeringId: offering.id, clientId: client.id, payment: { method: 'cash' } });
    packagesByClient.set(client.id, [sold.id]);
  }
  return { key, tenantId: tenant.id, offeringId: offering.id, scheduleId: schedule.id, sessionTypeId: sessionType.id, packagesByClient };
}

export type Kind = 'redeem' | 'refund' | 'sell' | 'book' | 'cancel';

export interface Outcome {
  kind: Kind;
  idempotencyKey: string;
  /** The final answer's status; 0 when the client gave up without one. */
  status: number;
  code: string | null;
  attempts: number;
}

/** Answers a client retries with the same Idempotency-Key: none, a 5xx, or a "retry it" conflict. */
const retryable = (res: Answer) =>
  res.status === 0 || res.status >= 500 || (res.status === 409 && ['concurrency_conflict', 'idempotency_key_in_use'].includes(res.body?.code));

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];

interface Operation {
  kind: Kind;
  idempotencyKey: string;
  path: string;
  body: unknown;
  clientId: string;
  bookingId?: string;
  attempts: number;
  /** The client gives up retrying after this (ms since epoch). */
  deadline: number;
  nextAttemptAt: number;
}

/**
 * Concurrent clients sending redemptions, sales, bookings, cancellations and refunds, each with its own
 * Idempotency-Key. An operation without a final answer (no answer, a 5xx, "retry it") is retried later
 * with the same key, through crashes and outages, until `retryForMs` has passed; meanwhile the client
 * goes on with new operations, so a crash does not stall the load.
 */
export class Workload {
  readonly outcomes: Outcome[] = [];
  /** Answers with status 500 (an internal error: never expected, whatever the fault). */
  readonly internalErrors: string[] = [];
  private readonly bookings: string[] = [];
  private readonly pending: Operation[] = [];
  private running = false;
  private paused = false;
  private inFlight = 0;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly base: string,
    private readonly studio: Studio,
    private readonly options: { concurrency: number; retryForMs: number; kinds?: Kind[] },
  ) {}

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: this.options.concurrency }, () => this.worker());
  }

  /** Stops sending new operations and waits until every started one has its final answer (or was given up). */
  async stop(): Promise<void> {
    this.running = false;
    this.paused = false;
    await Promise.all(this.workers);
  }

  /** Holds every worker (no new operations, no retries) until `resume`; resolves once nothing is in flight. */
  async pause(): Promise<void> {
    this.paused = true;
    while (this.inFlight > 0) await sleep(20);
  }

  resume(): void {
    this.paused = false;
  }

  private async worker(): Promise<void> {
    for (;;) {
      if (this.paused) {
        await sleep(20);
        continue;
      }
      const due = this.pending.findIndex((op) => op.nextAttemptAt <= Date.now());
      const operation = due >= 0 ? this.pending.splice(due, 1)[0] : this.running ? this.next() : null;
      if (!operation) {
        if (this.pending.length === 0) return;
        await sleep(20);
        continue;
      }
      this.inFlight++;
      try {
        await this.attempt(operation);
      } finally {
        this.inFlight--;
      }
    }
  }

  private async attempt(op: Operation): Promise<void> {
    op.attempts++;
    const res = await call(this.base, 'POST', op.path, { key: this.studio.key, body: op.body, idempotencyKey: op.idempotencyKey, timeoutMs: 30_000 });
    if (res.status === 500) this.internalErrors.push(`${op.kind}: ${JSON.stringify(res.body)}`);
    if (retryable(res) && Date.now() < op.deadline) {
      op.nextAttemptAt = Date.now() + 100 + Math.random() * 400;
      this.pending.push(op);
      return;
    }
    const ok = res.status >= 200 && res.status < 300;
    if (ok && op.kind === 'book') this.bookings.push(res.body.id);
    if (ok && op.kind === 'sell') this.studio.packagesByClient.get(op.clientId)!.push(res.body.id);
    const booked = this.bookings.indexOf(op.bookingId!);
    if (op.kind === 'cancel' && booked >= 0 && (ok || res.status === 409)) this.bookings.splice(booked, 1);
    this.outcomes.push({ kind: op.kind, idempotencyKey: op.idempotencyKey, status: retryable(res) ? 0 : res.status, code: res.body?.code ?? null, attempts: op.attempts });
  }

  private next(): Operation {
    const kinds = this.options.kinds ?? ['redeem', 'redeem', 'redeem', 'redeem', 'book', 'book', 'book', 'book', 'cancel', 'cancel', 'sell', 'sell', 'refund'];
    let kind = pick(kinds);
    if (kind === 'cancel' && this.bookings.length === 0) kind = 'book';
    const clientId = pick([...this.studio.packagesByClient.keys()]);
    const packageId = pick(this.studio.packagesByClient.get(clientId)!);
    const now = Date.now();
    return { kind, clientId, ...this.request(kind, clientId, packageId), idempotencyKey: randomUUID(), attempts: 0, deadline: now + this.options.retryForMs, nextAttemptAt: now };
  }

  private request(kind: Kind, clientId: string, packageId: string): { path: string; body: unknown; bookingId?: string } {
    switch (kind) {
      case 'redeem':
        return { path: `/v1/packages/${packageId}/redemptions`, body: { note: 'chaos' } };
      case 'refund':
        return { path: `/v1/packages/${packageId}/refunds`, body: { credits: 1, reason: 'chaos refund' } };
      case 'sell':
        return { path: '/v1/packages', body: { offeringId: this.studio.offeringId, clientId, payment: { method: 'cash' } } };
      case 'cancel': {
        const bookingId = pick(this.bookings);
        return { path: `/v1/bookings/${bookingId}/cancellations`, body: {}, bookingId };
      }
      case 'book': {
        // A half-hour slot 2 to 20 days ahead (UTC): seats run out now and then (capacity 3), credits too.
        const day = new Date(Date.now() + (2 + Math.floor(Math.random() * 18)) * 86_400_000);
        day.setUTCHours(Math.floor(Math.random() * 24), Math.random() < 0.5 ? 0 : 30, 0, 0);
        return {
          path: '/v1/bookings',
          body: { clientId, scheduleId: this.studio.scheduleId, sessionTypeId: this.studio.sessionTypeId, start: day.toISOString(), packageId },
        };
      }
    }
  }
}
