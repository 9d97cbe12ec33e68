/**
 * Verified Stripe webhook deliveries handled per second (issue 12), 32 concurrent senders, against the
 * service in its own process. Stripe's servers are the tests' local STAND-IN (test/support/stripe-stand-in.ts);
 * every delivery is signed by the SDK's own helper and verified by the service on the raw body. Two rows:
 * first deliveries of paid checkouts (each sells a package in one four-stream append), then the same
 * deliveries again (each verified, found already paid, logged, nothing appended).
 */
import { signatureFor, StripeStandIn } from '../support/stripe-stand-in';
import { fmt, keyRing, load, LoadSpec, pct, Report, SECONDS, startServer } from './bench-kit';

/**
 * Enough paid checkouts for the 1 s warm-up and the measured seconds at up to 1,000 deliveries a second:
 * 600 a second ran out on a faster machine (543/s measured after the warm-up had used its share).
 */
const CHECKOUTS = Number(process.env.BENCH_WEBHOOK_CHECKOUTS ?? 1_000 * (SECONDS + 1));

export async function webhookBench(databaseUrl: string, raw32: number, report: Report): Promise<void> {
  const stripe = await StripeStandIn.start();
  const server = await startServer(databaseUrl, { PUNCHCARD_STRIPE_API_URL: stripe.url });
  try {
    const { call, operatorKey } = server;
    const tenant = (await call('POST', '/v1/tenants', operatorKey, { name: 'Webhook bench', timezone: 'UTC', currency: 'EUR' })).body;
    const key = await keyRing(call, tenant.adminApiKey);
    const keys = stripe.newAccountKeys();
    expectOk(await call('POST', '/v1/payment-settings/stripe', key(), keys), 'connect Stripe');
    const offering = (await call('POST', '/v1/offerings', key(), { name: '10 sessions', sessionCount: 10, price: { amount: 12000, currency: 'EUR' } })).body;
    const clients: string[] = [];
    for (let i = 0; i < 32; i++) clients.push((await call('POST', '/v1/clients', key(), { name: `Buyer ${i}`, email: `buyer${i}@bench.test` })).body.id);

    // Checkouts paid on "Stripe's page": their completion events, signed later, as Stripe would send them.
    const payloads: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < CHECKOUTS) {
          const i = next++;
          const body = { offeringId: offering.id, clientId: clients[i % clients.length], successUrl: 'https://example.com/ok', cancelUrl: 'https://example.com/no' };
          const checkout = expectOk(await call('POST', '/v1/checkouts', key(), body), 'start a checkout').body;
          const session = [...stripe.sessions.values()].find((s) => s.metadata.punchcard_checkout_id === checkout.id)!;
          payloads.push(stripe.event('checkout.session.completed', stripe.pay(session.id)));
        }
      }),
    );

    // Deliveries are signed, not keyed: the webhook route is public, so the per-key rate limit does not apply to them.
    const path = `/v1/webhooks/stripe/${tenant.id}`;
    const delivery = (payload: string) => ({ method: 'POST' as const, path, body: payload, headers: { 'stripe-signature': signatureFor(payload, keys.webhookSecret) } });
    const outcome = (body: string) => {
      try {
        return JSON.parse(body)?.outcome;
      } catch {
        return undefined;
      }
    };
    // First deliveries: each payload once, in order; a run may not use up the prepared checkouts before its time is up.
    let first = 0;
    const delivered: string[] = [];
    const firstDeliveries = (seconds?: number): LoadSpec => ({
      name: `HTTP POST /webhooks/stripe, first delivery (${payloads.length} checkouts prepared: BENCH_WEBHOOK_CHECKOUTS)`,
      connections: 32,
      seconds,
      max: payloads.length - first,
      next: () => {
        const payload = payloads[first++];
        return { ...delivery(payload), tag: payload };
      },
      expect: (status, body, payload) => {
        const ok = status === 200 && outcome(body) === 'completed';
        if (ok) delivered.push(payload as string);
        return ok;
      },
    });
    await load(server.port, firstDeliveries(1)); // warm-up
    const measured = await load(server.port, firstDeliveries(undefined));
    report(`HTTP POST /webhooks/stripe: paid checkouts, first delivery (verify, sell in one append, log)`, 32, fmt(measured.perSecond), pct(measured.perSecond / raw32), measured.p50, measured.p99);

    // The same deliveries again: only those whose first delivery was answered (one cut off at a run's end may still be running).
    let again = 0;
    const duplicates = await load(server.port, {
      name: 'HTTP POST /webhooks/stripe (the same deliveries again)',
      connections: 32,
      next: () => delivery(delivered[again++ % delivered.length]),
      expect: (status, body) => status === 200 && outcome(body) === 'already_paid',
    });
    report(`HTTP POST /webhooks/stripe: the same deliveries again (verify, already paid, log)`, 32, fmt(duplicates.perSecond), pct(duplicates.perSecond / raw32), duplicates.p50, duplicates.p99);
  } finally {
    await server.stop();
    await stripe.close();
  }
}

function expectOk<T extends { status: number; body: any }>(res: T, what: string): T {
  if (res.status >= 300) throw new Error(`webhook bench: ${what} answered ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}
