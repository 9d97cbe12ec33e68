import { CommandBus } from '@nestjs/cqrs';
import { withTenant } from '@punchcard/postgres';
import { v7 as uuidv7 } from 'uuid';
import { decidePackage, evolvePackage, packageDecider, PackageEvent, PackageState, packageStreamId } from '@punchcard/domain';
import { PurchasePackageCommand } from '../../apps/api/src/packages/purchase-package/purchase-package.command';
import { systemContext } from '../../apps/api/src/write-side/command-context';
import { StreamExecutor } from '../../apps/api/src/write-side/stream-executor';
import { packageLedgerProjection, packagesProjection } from '@punchcard/projections';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/** RFC 4180 records (quoted fields may hold commas, doubled quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') record.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      (record = []), (field = ''), i++;
    } else field += c;
  }
  if (field !== '' || record.length) throw new Error('CSV does not end with CRLF');
  return records;
}

/** Records as objects keyed by the header row. */
function csvObjects(text: string): { header: string[]; rows: Record<string, string>[] } {
  const [header, ...records] = parseCsv(text);
  return { header, rows: records.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))) };
}

/** How the CSV spells a JSON value: empty for null, numbers as numbers. */
const cell = (value: unknown) => (value === null || value === undefined ? '' : String(value));

const PACKAGE_HEADER = 'package_id,client_id,client_name,client_email,offering_id,offering_name,purchased_at,price_amount,price_currency,payment_method,payment_reference,credits_total,credits_used,credits_remaining,credits_refunded,credits_expired,paid_value_remaining,status,expires_at';
const LEDGER_HEADER = 'entry_id,package_id,client_id,offering_id,sequence,occurred_at,type,delta,balance,credit_kind,paid_delta,goodwill_delta,redemption_id,booking_id,service_id,session_at,amount,amount_currency,reason,rule,note,previous_expires_at,expires_at,actor_id,actor_role,event_id';

describe('CSV exports of packages and the ledger', () => {
  let t: TestApp;
  let shop: TenantSession;
  let other: TenantSession;
  const fx = { ada: '', evil: '', grace: '', bigOffering: '', smallOffering: '', big: '', small: '', otherPackage: '' };
  const ADA = 'Ada, "the first"\nLovelace';
  const EVIL = '=HYPERLINK("http://evil.example")';
  const REASON = '=1+1, "quoted"\nnext line';

  const settled = async () => {
    const { runner } = t.infrastructure;
    for (const { name } of [packagesProjection, packageLedgerProjection]) expect((await runner.waitUntil(() => runner.isCaughtUp(name), 10_000)).reached).toBe(true);
  };
  const download = async (path: string, session = shop) => {
    const res = await t.http.get(path).set(session.auth).buffer(true).parse((r, done) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => (text += chunk));
      r.on('end', () => done(null, text));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    return res.body as string;
  };
  async function allPages<T>(path: string, key: 'items' | 'entries', limit: number): Promise<T[]> {
    const all: T[] = [];
    for (let cursor: string | null = null; ; ) {
      const page: any = (await t.http.get(path).query({ limit, ...(cursor ? { cursor } : {}) }).set(shop.auth).expect(200)).body;
      all.push(...page[key]);
      if (!page.nextCursor) return all;
      cursor = page.nextCursor;
    }
  }

  beforeAll(async () => {
    t = await createTestApp();
    shop = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
    other = await t.newTenant();
    fx.ada = await shop.createClient(ADA);
    fx.evil = await shop.createClient(EVIL);
    fx.grace = await shop.createClient('Grace Hopper');
    fx.bigOffering = await shop.createOffering({ name: 'Big, "yearly" pack', sessionCount: 600, price: { amount: 60000, currency: 'EUR' }, validityDays: 365 });
    fx.smallOffering = await shop.createOffering({ name: 'Two sessions', sessionCount: 2, price: { amount: 3000, currency: 'EUR' } });
    fx.big = (await shop.sellPackage(fx.bigOffering, fx.ada)).id;
    fx.small = (await shop.sellPackage(fx.smallOffering, fx.evil)).id;
    await t.http.post(`/v1/packages/${fx.small}/redemptions`).set(shop.auth).send({ note: '-2 for the "double" class, sorry', bookingId: 'bk-1', serviceId: 'pt' }).expect(201);
    await t.http.post(`/v1/packages/${fx.small}/refunds`).set(shop.auth).send({ reason: '@moved away' }).expect(201);
    await t.http.post(`/v1/packages/${fx.big}/adjustments`).set(shop.auth).send({ delta: 1, reason: REASON }).expect(201);

    // More than a scan page (500) of ledger entries on one package, in one append decided by the domain.
    await withTenant(shop.tenantId, () => t.app.get(StreamExecutor).execute(packageStreamId(fx.big), packageDecider, systemContext(shop.tenantId, 'test'), (state, now) => {
      const events: PackageEvent[] = [];
      let s: PackageState = state;
      for (let i = 0; i < 520; i++) {
        const [event] = decidePackage({ type: 'RedeemSession', redemptionId: uuidv7(), bookingId: null, serviceId: null, note: null, sessionAt: null }, s, { now, timezone: 'Europe/Berlin' });
        events.push(event);
        s = evolvePackage(s, event);
      }
      return events;
    }));
    // More than a scan page of packages, sold through the write side's own command.
    const commands = t.app.get(CommandBus);
    for (let i = 0; i < 505; i++) {
      await withTenant(shop.tenantId, () =>
        commands.execute(new PurchasePackageCommand(uuidv7(), fx.smallOffering, fx.grace, { method: 'cash', reference: null }, null, systemContext(shop.tenantId, 'test'))),
      );
    }
    fx.otherPackage = (await other.sellPackage(await other.createOffering(), await other.createClient())).id;
    await settled();
  });
  afterAll(() => t.close());

  it('packages.csv: one row per package, the same values as GET /v1/packages, client name and email joined on every page', async () => {
    const text = await download('/v1/exports/packages.csv');
    expect(text.split('\r\n')[0]).toBe(PACKAGE_HEADER);
    const { rows } = csvObjects(text);
    const api = await allPages<any>('/v1/packages', 'items', 100);
    expect(api).toHaveLength(507);
    expect(rows.map((r) => r.package_id)).toEqual(api.map((p) => p.id).sort());
    const byId = new Map(rows.map((r) => [r.package_id, r]));
    for (const p of api) {
      expect(byId.get(p.id)).toEqual({
        package_id: p.id,
        client_id: p.clientId,
        client_name: p.client.name.replace(/^=/, "'="),
        client_email: p.client.email,
        offering_id: p.offeringId,
        offering_name: p.offeringName,
        purchased_at: p.purchasedAt,
        price_amount: cell(p.price.amount),
        price_currency: p.price.currency,
        payment_method: p.payment.method,
        payment_reference: cell(p.payment.reference),
        credits_total: cell(p.creditsTotal),
        credits_used: cell(p.creditsUsed),
        credits_remaining: cell(p.creditsRemaining),
        credits_refunded: cell(p.creditsRefunded),
        credits_expired: cell(p.creditsExpired),
        paid_value_remaining: cell(p.paidValueRemaining),
        status: p.status,
        expires_at: cell(p.expiresAt),
      });
    }
    expect(byId.get(fx.big)).toMatchObject({ client_name: ADA, offering_name: 'Big, "yearly" pack', credits_used: '520', credits_remaining: '81' });
    expect(byId.get(fx.small)).toMatchObject({ client_name: `'${EVIL}`, status: 'refunded', credits_refunded: '1' });
    expect(rows.filter((r) => r.client_name === 'Grace Hopper')).toHaveLength(505);
    expect(rows.some((r) => r.package_id === fx.otherPackage)).toBe(false);
  });

  it('ledger.csv: every entry in package and stream order, the same values as GET /v1/packages/{id}/ledger', async () => {
    const text = await download('/v1/exports/ledger.csv');
    expect(text.split('\r\n')[0]).toBe(LEDGER_HEADER);
    const { rows } = csvObjects(text);
    expect(rows).toHaveLength(522 + 3 + 505);
    const ids = rows.map((r) => r.entry_id);
    expect(ids).toEqual([...ids].sort());

    const byId = new Map(rows.map((r) => [r.entry_id, r]));
    for (const packageId of [fx.big, fx.small]) {
      const entries = await allPages<any>(`/v1/packages/${packageId}/ledger`, 'entries', 100);
      expect(rows.filter((r) => r.package_id === packageId)).toHaveLength(entries.length);
      for (const e of entries) {
        const row = byId.get(e.id)!;
        const { event_id, ...rest } = row;
        expect(event_id).toMatch(/^[0-9a-f-]{36}$/);
        expect(rest).toEqual({
          entry_id: e.id,
          package_id: e.packageId,
          client_id: e.clientId,
          offering_id: e.offeringId,
          sequence: cell(e.sequence),
          occurred_at: e.occurredAt,
          type: e.type,
          delta: cell(e.delta),
          balance: cell(e.balance),
          credit_kind: cell(e.creditKind),
          paid_delta: cell(e.paidDelta),
          goodwill_delta: cell(e.goodwillDelta),
          redemption_id: cell(e.redemptionId),
          booking_id: cell(e.bookingId),
          service_id: cell(e.serviceId),
          session_at: cell(e.sessionAt),
          amount: cell(e.amount?.amount),
          amount_currency: cell(e.amount?.currency),
          reason: cell(e.reason).replace(/^([=@+-])/, "'$1"),
          rule: cell(e.rule),
          note: cell(e.note).replace(/^([=@+-])/, "'$1"),
          previous_expires_at: cell(e.previousExpiresAt),
          expires_at: cell(e.expiresAt),
          actor_id: e.actor.id,
          actor_role: e.actor.role,
        });
      }
    }
    expect(rows.find((r) => r.type === 'CreditsAdjusted')).toMatchObject({ reason: `'${REASON}`, delta: '1', balance: '601' });
    expect(rows.find((r) => r.type === 'PackageRefunded')).toMatchObject({ reason: "'@moved away", amount: '1500', amount_currency: 'EUR' });
    expect(rows.filter((r) => r.package_id === fx.otherPackage)).toEqual([]);
  });

  it('quotes commas, quotes and line breaks, and defuses text a spreadsheet would run as a formula', async () => {
    const text = await download(`/v1/exports/packages.csv?clientId=${fx.ada}`);
    expect(text).toContain(`,"Ada, ""the first""\nLovelace",`);
    expect(text).toContain(`,"Big, ""yearly"" pack",`);
    const ledger = await download(`/v1/exports/ledger.csv?clientId=${fx.ada}`);
    expect(ledger).toContain(`,"'=1+1, ""quoted""\nnext line",`);
    expect(await download(`/v1/exports/packages.csv?clientId=${fx.evil}`)).toContain(`,"'=HYPERLINK(""http://evil.example"")",`);
  });

  it('filters by offering or client through the read models’ indexes, across more than one page', async () => {
    const big = csvObjects(await download(`/v1/exports/packages.csv?offeringId=${fx.bigOffering}`)).rows;
    expect(big.map((r) => r.package_id)).toEqual([fx.big]);
    const adaLedger = csvObjects(await download(`/v1/exports/ledger.csv?clientId=${fx.ada}`)).rows;
    expect(adaLedger).toHaveLength(522);
    expect(new Set(adaLedger.map((r) => r.package_id))).toEqual(new Set([fx.big]));
    // 505 packages: more than one page of packages, and several batches of ledger queries.
    const grace = csvObjects(await download(`/v1/exports/ledger.csv?clientId=${fx.grace}&offeringId=${fx.smallOffering}`)).rows;
    expect(grace).toHaveLength(505);
    expect(grace.map((r) => r.entry_id)).toEqual(grace.map((r) => r.entry_id).sort());
    expect(grace.every((r) => r.type === 'PackagePurchased' && r.client_id === fx.grace)).toBe(true);
    expect(csvObjects(await download(`/v1/exports/ledger.csv?offeringId=${fx.bigOffering}&clientId=${fx.grace}`)).rows).toEqual([]);
  });

  it('another tenant exports only its own rows', async () => {
    const packages = csvObjects(await download('/v1/exports/packages.csv', other)).rows;
    expect(packages.map((r) => r.package_id)).toEqual([fx.otherPackage]);
    expect(csvObjects(await download('/v1/exports/ledger.csv', other)).rows.map((r) => r.package_id)).toEqual([fx.otherPackage]);
  });

  it('refuses unknown or bad query parameters with 400 problem+json before any CSV is sent', async () => {
    for (const path of ['/v1/exports/packages.csv', '/v1/exports/ledger.csv']) {
      for (const query of ['from=2026-01-01', 'to=yesterday', 'offeringId=nope', `offeringId=${fx.bigOffering}&offeringId=${fx.smallOffering}`, 'clientId=', 'after=soon']) {
        const res = await t.http.get(`${path}?${query}`).set(shop.auth);
        expect({ path, query, status: res.status, code: res.body.code }).toEqual({ path, query, status: 400, code: 'validation_failed' });
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      expect((await t.http.get(path).expect(401)).headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });
});
