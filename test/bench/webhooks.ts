/**
 * Verified Stripe webhook deliveries handled per second (issue 12), 32 concurrent senders, against the
 * service in its own process. Stripe's servers are the tests' local STAND-IN (test/support/stripe-stand-in.ts);
 * every delivery is signed by the SDK's own helper and verified by the service on the raw body. Two rows:
 * first deliveries of paid checkouts (each sells a package in one four-stream append), then the same
 * deliveries again (each verified, found already paid, logged, nothing appended).
 */
import http from 'node:http';
import { signatureFor, StripeStandIn } from '../support/stripe-stand-in';
import { fmt, keyRing, pct, quantiles, rate, Report, SECONDS, startServer } from './bench-kit';

/** Enough paid checkouts for the measured seconds at a few hundred deliveries a second, plus the warm-up. */
const CHECKOUTS = Number(process.env.BENCH_WEBHOOK_CHECKOUTS ?? 600 * SECONDS);

export async function webhookBench(databaseUrl: string, raw32: number, report: Report): Promise<void> {
  const stripe = await StripeStandIn.start();
  const server = await startServer(databaseUrl, { PUNCHCARD_STRIPE_API_URL: stripe.url });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
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

    const deliver = (payload: string) => postRaw(agent, server.port, `/v1/webhooks/stripe/${tenant.id}`, payload, signatureFor(payload, keys.webhookSecret));
    let first = 0;
    const firstDelivery = async () => {
      if (first >= payloads.length) throw new Error(`webhook bench: only ${payloads.length} checkouts for ${SECONDS} s; raise BENCH_WEBHOOK_CHECKOUTS`);
      const res = await deliver(payloads[first++]);
      if (res.status !== 200 || res.body.outcome !== 'completed') throw new Error(`webhook bench: ${res.status} ${JSON.stringify(res.body)}`);
    };
    await rate(32, firstDelivery, undefined, 1); // warm-up
    const latencies: number[] = [];
    const perSecond = await rate(32, firstDelivery, latencies);
    report(`HTTP POST /webhooks/stripe: paid checkouts, first delivery (verify, sell in one append, log)`, 32, fmt(perSecond), pct(perSecond / raw32), ...quantiles(latencies));

    const delivered = payloads.slice(0, first);
    let again = 0;
    const duplicate = async () => {
      const res = await deliver(delivered[again++ % delivered.length]);
      if (res.status !== 200 || res.body.outcome !== 'already_paid') throw new Error(`webhook bench: ${res.status} ${JSON.stringify(res.body)}`);
    };
    const duplicateLatencies: number[] = [];
    const duplicates = await rate(32, duplicate, duplicateLatencies);
    report(`HTTP POST /webhooks/stripe: the same deliveries again (verify, already paid, log)`, 32, fmt(duplicates), pct(duplicates / raw32), ...quantiles(duplicateLatencies));
  } finally {
    agent.destroy();
    await server.stop();
    await stripe.close();
  }
}

function expectOk<T extends { status: number; body: any }>(res: T, what: string): T {
  if (res.status >= 300) throw new Error(`webhook bench: ${what} answered ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/** A webhook delivery: the raw JSON body and Stripe's signature header, no API key. */
function postRaw(agent: http.Agent, port: number, path: string, payload: string, signature: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path, agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'stripe-signature': signature } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
