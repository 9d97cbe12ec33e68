// Smoke test of the embedded default: `npm start` with no DATABASE_URL starts, sells and redeems,
// and after a restart still has the package. Run by .ci/run after the test suite.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const port = 3700 + Math.floor(Math.random() * 200);
// Under the checkout, like the default ./data (a private temp folder would be unreachable for the
// postgres user the embedded server runs as when CI runs as root).
const dataDir = join(process.cwd(), '.tmp', `smoke-${process.pid}`);
mkdirSync(dataDir, { recursive: true });
const operatorKey = 'pcop_smoke_test_operator_key_0123456789';
const base = `http://127.0.0.1:${port}`;
let passed = 0;
let failed = 0;

function check(name, condition, detail = '') {
  if (condition) passed++;
  else failed++;
  console.log(`${condition ? 'ok' : 'FAIL'} - ${name}${condition ? '' : ` ${detail}`}`);
}

async function start() {
  const env = { ...process.env, PORT: String(port), PUNCHCARD_DATA_DIR: dataDir, PUNCHCARD_OPERATOR_KEY: operatorKey };
  delete env.DATABASE_URL;
  const child = spawn('npm', ['start', '--silent'], { env, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${base}/health`).then((r) => r.status === 200, () => false);
    if (ok) return child;
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    await sleep(200);
  }
  throw new Error('the service did not become healthy within 60 s');
}

async function stop(child) {
  process.kill(-child.pid, 'SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

async function call(method, path, key, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

let service;
try {
  service = await start();
  check('health answers 200 on the embedded default', true);
  const tenant = await call('POST', '/v1/tenants', operatorKey, { name: 'Smoke Studio', timezone: 'Europe/Berlin', currency: 'EUR' });
  check('operator creates a tenant', tenant.status === 201, JSON.stringify(tenant.body));
  const key = tenant.body.adminApiKey;
  const client = await call('POST', '/v1/clients', key, { name: 'Smoke Client', email: 'smoke@example.com' });
  const offering = await call('POST', '/v1/offerings', key, { name: '6 sessions, 90 days', sessionCount: 6, price: { amount: 54000, currency: 'EUR' }, validityDays: 90 });
  const sold = await call('POST', '/v1/packages', key, { offeringId: offering.body.id, clientId: client.body.id, payment: { method: 'cash' } });
  check('a package is sold', sold.status === 201 && sold.body.creditsRemaining === 6, JSON.stringify(sold.body));
  const redeemed = await call('POST', `/v1/packages/${sold.body.id}/redemptions`, key, { note: 'smoke' });
  check('a session is redeemed', redeemed.status === 201 && redeemed.body.creditsRemaining === 5, JSON.stringify(redeemed.body));
  const position = redeemed.headers.get('punchcard-position');
  const before = await call('GET', `/v1/packages/${sold.body.id}?after=${position}`, key);
  check('the read model shows the redemption', before.status === 200 && before.body.creditsRemaining === 5, JSON.stringify(before.body));

  await stop(service);
  service = await start();
  const after = await call('GET', `/v1/packages/${sold.body.id}`, key);
  check('after a restart the package and its balance are still there', after.status === 200 && after.body.creditsRemaining === 5, JSON.stringify(after.body));
  const ledger = await call('GET', `/v1/packages/${sold.body.id}/ledger`, key);
  check('after a restart the ledger is whole', ledger.status === 200 && ledger.body.entries.length === 2 && ledger.body.balance === 5, JSON.stringify(ledger.body));
} catch (error) {
  check('smoke test ran to the end', false, String(error));
} finally {
  if (service && service.exitCode === null) await stop(service);
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(`smoke: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
