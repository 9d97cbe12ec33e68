import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplication } from '@nestjs/common';
import type { Pool } from 'pg';
import { comparePositions, Position } from '@punchcard/event-store';
import { DeliveryPlanner } from '../../apps/api/src/outbound-webhooks/delivery-planner';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  at: number;
}

/**
 * A real HTTP server on 127.0.0.1 that receives outbound webhooks for tests. `respondWith` sets the
 * status codes of the next answers (then 200); `hang` makes the next answers never come.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private statuses: number[] = [];
  private hangs = 0;
  /** While set, answers wait until release() (a batch in flight when its sender dies). */
  private held: (() => void)[] | null = null;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver!: WebhookReceiver;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        receiver.received.push({ headers: req.headers, body, json: safeJson(body), at: Date.now() });
        if (receiver.hangs > 0) {
          receiver.hangs--;
          return; // never answers: the sender's time limit must end the call
        }
        const answer = () => {
          res.statusCode = receiver.statuses.shift() ?? 200;
          res.end('ok');
        };
        if (receiver.held) receiver.held.push(answer);
        else answer();
      });
    });
    receiver = new WebhookReceiver(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  respondWith(...statuses: number[]): void {
    this.statuses.push(...statuses);
  }

  hold(): void {
    this.held = [];
  }

  /** Answers what was held (to senders that may be gone) and stops holding. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    held.forEach((answer) => answer());
  }

  async waitFor(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`the receiver got ${this.received.length} of ${count} webhooks in time`);
      await sleep(20);
    }
  }

  hang(count = 1): void {
    this.hangs += count;
  }

  clear(): void {
    this.received.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * What an integrator does (docs/webhooks.md): split `t=…,v1=…`, HMAC-SHA256 of `${t}.${raw body}` with
 * the endpoint's secret, compare in constant time, and refuse timestamps older than the tolerance.
 * Written here from the documented scheme, not with the service's own helper.
 */
export function verifyWebhook(secret: string, body: string, header: string | undefined, nowMs: number, toleranceSeconds = 300): boolean {
  if (!header) return false;
  const fields = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const t = Number(fields.get('t'));
  const v1 = fields.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(nowMs / 1000 - t) > toleranceSeconds || !/^[0-9a-f]{64}$/.test(v1)) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Runs the webhook planner until it has read every event written so far (a long transaction
 * elsewhere in the database can hold back what the gap-free read returns for a while); returns how
 * many deliveries it planned.
 */
export async function planEverything(t: { app: INestApplication; db: { pool: Pool } }, timeoutMs = 10_000): Promise<number> {
  const planner = t.app.get(DeliveryPlanner);
  const { rows } = await t.db.pool.query(
    'SELECT transaction_id::text AS "transactionId", global_position::text AS "globalPosition" FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
  );
  const target: Position | undefined = rows[0];
  const deadline = Date.now() + timeoutMs;
  let planned = 0;
  for (;;) {
    planned += await planner.catchUp();
    if (!target || comparePositions(await planner.checkpoint(), target) >= 0) return planned;
    if (Date.now() > deadline) throw new Error('the webhook planner did not reach the last event in time');
    await sleep(20);
  }
}
