import { createHash, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A STAND-IN FOR STRIPE'S SERVERS, for tests only (ADR 0020, docs/payments.md). Stripe's API cannot
 * be reached from the build machines and `stripe-mock` is not in the registries, so the real `stripe`
 * SDK is pointed (host, port, protocol) at this small HTTP server. It answers the few endpoints
 * Punchcard calls with Stripe's documented object shapes and error bodies, checks the bearer key and
 * honours `Idempotency-Key` as Stripe does (same key and parameters: the same object again; other
 * parameters: an idempotency error). It proves our side of the contract, not Stripe's behaviour.
 *
 * Refunds (`POST /v1/refunds`, ADR 0022) are checked against what was paid and refunded so far
 * (`amount_too_large`, `charge_already_refunded`), or refused on demand (`refuseRefunds`).
 *
 * Tests drive the "customer" side through it: `pay`, `expire`, `failAsyncPayment`, `dashboardRefund`, and `event` builds
 * the event Stripe would send, for the test to sign with `stripe.webhooks.generateTestHeaderString`.
 */
export interface StandInSession {
  id: string;
  object: 'checkout.session';
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  customer_email: string | null;
  created: number;
  expires_at: number;
  livemode: false;
  metadata: Record<string, string>;
  mode: string;
  payment_intent: string | null;
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  status: 'open' | 'complete' | 'expired';
  success_url: string;
  cancel_url: string;
  url: string | null;
  line_items_sent: unknown;
  /** `payment_intent_data[metadata]` as sent: the PaymentIntent the payment creates carries it. */
  payment_intent_metadata: Record<string, string>;
}

/** Stripe's Refund object, as documented (the fields Stripe always sends). */
export interface StandInRefund {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: string;
  reason: string | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled' | 'requires_action';
  transfer_reversal: null;
}

export interface RecordedRequest {
  method: string;
  path: string;
  apiKey: string | null;
  idempotencyKey: string | null;
  params: Record<string, any>;
}

const ACCOUNT_ID = 'acct_1StandInPunchcard';

export class StripeStandIn {
  readonly sessions = new Map<string, StandInSession>();
  /** Paid PaymentIntents: what was charged and how much of it was refunded so far. */
  readonly payments = new Map<string, { amount: number; currency: string; refunded: number }>();
  readonly refunds = new Map<string, StandInRefund>();
  /** While set, every new refund is refused with this error (e.g. `charge_disputed`), as Stripe does. */
  refuseRefunds: { code: string; message: string } | null = null;
  /** The next this-many refund requests are carried out, but their answers are lost (the connection drops). */
  loseRefundAnswers = 0;
  readonly requests: RecordedRequest[] = [];
  /** Secret keys the stand-in accepts (any other is refused with 401, as Stripe does). */
  readonly validKeys = new Set<string>();
  /** While true, every request gets 500 api_error (Stripe having trouble). */
  failing = false;
  private readonly idempotent = new Map<string, { hash: string; status: number; body: string }>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<StripeStandIn> {
    let standIn: StripeStandIn | null = null;
    const server = createServer((req, res) => void standIn!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standIn = new StripeStandIn(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return standIn;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A new test-mode secret key the stand-in accepts, and a webhook signing secret to go with it. */
  newAccountKeys(): { secretKey: string; webhookSecret: string } {
    const secretKey = `sk_test_${randomBytes(24).toString('hex')}`;
    this.validKeys.add(secretKey);
    return { secretKey, webhookSecret: `whsec_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')}` };
  }

  /** The client paid on Stripe's page (by default the session's amount): the session is complete and paid. */
  pay(sessionId: string, options: { amountTotal?: number } = {}): StandInSession {
    const session = this.session(sessionId);
    Object.assign(session, {
      status: 'complete',
      payment_status: 'paid',
      payment_intent: session.payment_intent ?? `pi_${randomBytes(12).toString('hex')}`,
      amount_total: options.amountTotal ?? session.amount_total,
      url: null,
    });
    if (!this.payments.has(session.payment_intent!)) this.payments.set(session.payment_intent!, { amount: session.amount_total, currency: session.currency, refunded: 0 });
    return { ...session };
  }

  /** Completed with a payment that has not cleared yet (e.g. a bank debit): paid later or failed. */
  completeUnpaid(sessionId: string): StandInSession {
    const session = this.session(sessionId);
    Object.assign(session, { status: 'complete', payment_status: 'unpaid', payment_intent: `pi_${randomBytes(12).toString('hex')}`, url: null });
    return { ...session };
  }

  /** A refund made in Stripe's dashboard (no Punchcard metadata), as its refund.created event would carry it. */
  dashboardRefund(paymentIntentId: string, amount: number): StandInRefund {
    const answer = this.createRefund({ payment_intent: paymentIntentId, amount: String(amount) });
    if (answer.status !== 200) throw new Error(`the stand-in refused the dashboard refund: ${JSON.stringify(answer.body)}`);
    return answer.body as StandInRefund;
  }

  private createRefund(params: Record<string, any>): { status: number; body: object } {
    const refuse = (code: string, message: string, param?: string) => ({ status: 400, body: { error: { type: 'invalid_request_error', code, message, ...(param ? { param } : {}) } } });
    const payment = this.payments.get(params.payment_intent);
    if (!payment) return refuse('resource_missing', `No such payment_intent: '${params.payment_intent ?? ''}'`, 'payment_intent');
    if (this.refuseRefunds) return refuse(this.refuseRefunds.code, this.refuseRefunds.message);
    const left = payment.amount - payment.refunded;
    if (left === 0) return refuse('charge_already_refunded', `Charge for ${params.payment_intent} has already been refunded.`);
    const amount = params.amount === undefined ? left : Number(params.amount);
    if (!Number.isInteger(amount) || amount < 1) return refuse('parameter_invalid_integer', 'Invalid positive integer', 'amount');
    if (amount > left) return refuse('amount_too_large', `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`, 'amount');
    payment.refunded += amount;
    const refund: StandInRefund = {
      id: `re_${randomBytes(12).toString('hex')}`,
      object: 'refund',
      amount,
      balance_transaction: `txn_${randomBytes(12).toString('hex')}`,
      charge: `ch_${params.payment_intent.slice(3)}`,
      created: Math.floor(Date.now() / 1000),
      currency: payment.currency,
      metadata: params.metadata ?? {},
      payment_intent: params.payment_intent,
      reason: params.reason ?? null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: 'succeeded',
      transfer_reversal: null,
    };
    this.refunds.set(refund.id, refund);
    return { status: 200, body: refund };
  }

  expire(sessionId: string): StandInSession {
    Object.assign(this.session(sessionId), { status: 'expired', url: null });
    return { ...this.session(sessionId) };
  }

  /** The event Stripe would send about `session`, as a JSON text ready to sign. */
  event(type: string, session: object, id = `evt_${randomBytes(12).toString('hex')}`): string {
    return JSON.stringify(
      {
        id,
        object: 'event',
        api_version: '2026-11-18',
        created: Math.floor(Date.now() / 1000),
        data: { object: session },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
      },
      null,
      2,
    );
  }

  private session(id: string): StandInSession {
    const session = this.sessions.get(id);
    if (!session) throw new Error(`the stand-in has no session ${id}`);
    return session;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const params = parseForm(req.method === 'GET' ? url.search.slice(1) : text);
    const apiKey = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
    const idempotencyKey = (req.headers['idempotency-key'] as string | undefined) ?? null;
    this.requests.push({ method: req.method ?? '', path: url.pathname, apiKey, idempotencyKey, params });
    const lost = req.method === 'POST' && url.pathname === '/v1/refunds' && this.loseRefundAnswers > 0;
    if (lost) this.loseRefundAnswers--;
    const send = (status: number, body: object) => {
      const json = JSON.stringify(body);
      if (lost) return void res.socket?.destroy(), { status, body: json };
      res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': `req_${randomBytes(8).toString('hex')}` }).end(json);
      return { status, body: json };
    };
    if (this.failing) return void send(500, { error: { type: 'api_error', message: 'The stand-in is failing on purpose.' } });
    if (!apiKey || !this.validKeys.has(apiKey)) {
      return void send(401, { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${(apiKey ?? '').slice(0, 8)}****${(apiKey ?? '').slice(-4)}` } });
    }
    if (req.method === 'POST' && idempotencyKey) {
      const hash = createHash('sha256').update(`${url.pathname}\n${text}`).digest('hex');
      const seen = this.idempotent.get(`${apiKey}\n${idempotencyKey}`);
      if (seen && seen.hash !== hash) {
        return void send(400, { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } });
      }
      if (seen) {
        if (lost) return void res.socket?.destroy();
        res.writeHead(seen.status, { 'Content-Type': 'application/json', 'Idempotent-Replayed': 'true' }).end(seen.body);
        return;
      }
      const answer = this.route(req.method, url.pathname, params, send);
      this.idempotent.set(`${apiKey}\n${idempotencyKey}`, { hash, ...answer });
      return;
    }
    this.route(req.method ?? 'GET', url.pathname, params, send);
  }

  private route(method: string, path: string, params: Record<string, any>, send: (status: number, body: object) => { status: number; body: string }) {
    if (method === 'GET' && path === '/v1/account') {
      return send(200, { id: ACCOUNT_ID, object: 'account', business_profile: { name: 'Stand-in Studio' }, charges_enabled: true, settings: { dashboard: { display_name: 'Stand-in Studio' } } });
    }
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const item = params.line_items?.[0];
      const unitAmount = Number(item?.price_data?.unit_amount);
      if (params.mode !== 'payment' || !Number.isInteger(unitAmount) || !item?.price_data?.currency || !params.success_url) {
        return send(400, { error: { type: 'invalid_request_error', message: 'mode=payment, line_items[0][price_data] and success_url are required.' } });
      }
      const id = `cs_test_${randomBytes(16).toString('hex')}`;
      const created = Math.floor(Date.now() / 1000);
      const amount = unitAmount * Number(item.quantity ?? 1);
      const session: StandInSession = {
        id,
        object: 'checkout.session',
        amount_subtotal: amount,
        amount_total: amount,
        currency: item.price_data.currency,
        client_reference_id: params.client_reference_id ?? null,
        customer_email: params.customer_email ?? null,
        created,
        expires_at: created + 24 * 3600,
        livemode: false,
        metadata: params.metadata ?? {},
        mode: 'payment',
        payment_intent: null,
        payment_status: 'unpaid',
        status: 'open',
        success_url: params.success_url,
        cancel_url: params.cancel_url,
        url: `https://checkout.stripe.com/c/pay/${id}`,
        line_items_sent: params.line_items,
        payment_intent_metadata: params.payment_intent_data?.metadata ?? {},
      };
      this.sessions.set(id, session);
      return send(200, session);
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const answer = this.createRefund(params);
      return send(answer.status, answer.body);
    }
    const intent = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (method === 'GET' && intent) {
      // A PaymentIntent exists once its session was paid (or completed awaiting payment).
      const id = decodeURIComponent(intent[1]);
      const session = [...this.sessions.values()].find((s) => s.payment_intent === id);
      if (!session) return send(404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such payment_intent: '${id}'` } });
      const status = session.payment_status === 'paid' ? 'succeeded' : 'processing';
      return send(200, { id, object: 'payment_intent', amount: session.amount_total, currency: session.currency, status, metadata: session.payment_intent_metadata, livemode: false });
    }
    const match = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (method === 'GET' && match) {
      const session = this.sessions.get(decodeURIComponent(match[1]));
      if (!session) return send(404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such checkout.session: '${match[1]}'` } });
      return send(200, session);
    }
    return send(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}). The stand-in only serves what Punchcard calls.` } });
  }
}

/** Stripe's form encoding (`a[b][0][c]=x`) back into objects and arrays. */
function parseForm(text: string): Record<string, any> {
  const root: Record<string, any> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.split(/\[|\]\[|\]/).filter((part) => part !== '');
    let node: any = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = node[part] ??= /^\d+$/.test(path[i + 1]) ? [] : {};
    });
  }
  return root;
}

/** A `Stripe-Signature` header for `payload`, made by Stripe's own library (timestamp: now unless given). */
export function signatureFor(payload: string, secret: string, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp === undefined ? {} : { timestamp }) });
}
