import { DateTime } from 'luxon';
import type { Response } from 'supertest';
import { ExpirySweep } from '../../apps/api/src/packages/expiry-sweep/expiry-sweep';
import { accountingJournalProjection } from '@punchcard/projections';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const ALL_DAY = [{ start: '00:00', end: '24:00' }];
const EVERY_DAY = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [day, ALL_DAY]));

const HEADER = 'entry_id,effective_date,account,debit,credit,currency,source_event_id,package_id,line,effective_at,kind,source_event_type,reverses_entry_id,payment_method';

type Row = Record<string, string>;
type Totals = { sales: number; recognised: number; breakage: number; refunds: number; liability: number };

/** "12.50" → 1250 (both currencies here have two minor digits); "" → 0. */
const minor = (text: string) => (text === '' ? 0 : Math.round(Number(text) * 100));

function parseCsv(text: string): Row[] {
  const [header, ...records] = text.split('\r\n').filter((line) => line !== '');
  expect(header).toBe(HEADER);
  const names = header.split(',');
  return records.map((record) => {
    const values = record.split(',');
    expect(values).toHaveLength(names.length);
    return Object.fromEntries(names.map((name, i) => [name, values[i]]));
  });
}

/** Running totals of the liability lines, per currency, computed from CSV rows alone (independent of the reports). */
function totalsFromRows(rows: Row[], currency: string): Totals {
  const totals: Totals = { sales: 0, recognised: 0, breakage: 0, refunds: 0, liability: 0 };
  for (const row of rows.filter((r) => r.account === 'contract_liability' && r.currency === currency)) {
    const decrease = minor(row.debit) - minor(row.credit);
    totals.liability -= decrease;
    if (row.kind === 'sale') totals.sales -= decrease;
    else if (row.kind === 'recognition' || row.kind === 'recognition_reversal') totals.recognised += decrease;
    else if (row.kind === 'breakage' || row.kind === 'credit_removal') totals.breakage += decrease;
    else if (row.kind === 'refund') totals.refunds += decrease;
    else throw new Error(`unexpected kind ${row.kind}`);
  }
  return totals;
}

describe('Accounting over HTTP: contract liability, rollforward and the general journal', () => {
  let t: TestApp;
  let studio: TenantSession;
  let after = '';
  /** Instants between the steps below: marks[i] is just after step i (steps are an hour apart). */
  const marks: string[] = [];
  const ids = { a: '', b: '', comp: '', booking: '', redemptionB: '' };
  const expiries: Record<string, string> = {};
  let fullCsv: Row[] = [];

  const track = (res: Response): Response => {
    expect(res.status).toBeLessThan(300);
    after = res.headers['punchcard-position'] ?? after;
    return res;
  };
  const post = async (path: string, body: Record<string, unknown>) => track(await t.http.post(path).set(studio.auth).send(body));
  const step = async (work: () => Promise<unknown>) => {
    t.clock.advance(HOUR);
    await work();
    marks.push(t.clock.now().toISOString());
  };
  const liability = async (asOf: string, session = studio): Promise<Record<string, number>> => {
    const res = await t.http.get('/v1/reports/contract-liability').query({ asOf, after }).set(session.auth).expect(200);
    expect(res.body.asOf).toBe(asOf);
    return Object.fromEntries(res.body.currencies.map((c: any) => [c.currency, c.liability]));
  };
  const rollforward = async (from: string, to: string, paymentMethod?: string) =>
    (await t.http.get('/v1/reports/liability-rollforward').query({ from, to, after, ...(paymentMethod ? { paymentMethod } : {}) }).set(studio.auth).expect(200)).body;
  const journal = async (query: Record<string, string> = {}, session = studio) => {
    const res = await t.http.get('/v1/exports/journal.csv').query({ after, ...query }).set(session.auth).buffer(true).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    return parseCsv(res.text);
  };

  beforeAll(async () => {
    t = await createTestApp();
    studio = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
    const clientId = await studio.createClient('Ada Lovelace');
    const sessionType = await post('/v1/session-types', { name: 'Personal training', durationMinutes: 60, price: { amount: 2500, currency: 'USD' } });
    const schedule = await post('/v1/schedules', { host: 'Coach Ada', timezone: 'UTC', weeklyHours: EVERY_DAY, sessionTypeIds: [sessionType.body.id] });
    const policy = { noticeHours: 24, lateCancellation: 'forfeit', noShow: 'forfeit' };
    const usdOffering = await studio.createOffering({
      name: '5 sessions',
      sessionCount: 5,
      price: { amount: 10000, currency: 'USD' },
      validityDays: 30,
      scheduleId: schedule.body.id,
      sessionTypeIds: [sessionType.body.id],
      cancellationPolicy: policy,
    });
    const eurOffering = await studio.createOffering({ name: '3 sessions', sessionCount: 3, price: { amount: 10000, currency: 'EUR' }, validityDays: 30 });
    const sell = async (offeringId: string, method: string) => {
      const res = await post('/v1/packages', { offeringId, clientId, payment: { method } });
      expiries[res.body.id] = res.body.expiresAt;
      return res.body.id as string;
    };
    marks.push(t.clock.now().toISOString()); // marks[0]: before any sale

    // 1-3: 5 credits for 100.00 USD (20.00 each), 3 for 100.00 EUR (33.34, 33.33, 33.33), and a comp package.
    await step(async () => (ids.a = await sell(usdOffering, 'cash')));
    await step(async () => (ids.b = await sell(eurOffering, 'card')));
    await step(async () => (ids.comp = await sell(usdOffering, 'comp')));
    // 4-6: a redemption on each; the EUR one is reversed (deducted by mistake).
    await step(() => post(`/v1/packages/${ids.a}/redemptions`, {}));
    await step(async () => (ids.redemptionB = (await post(`/v1/packages/${ids.b}/redemptions`, {})).body.redemptionId));
    await step(() => post(`/v1/packages/${ids.b}/redemptions/${ids.redemptionB}/reversals`, { reason: 'Deducted by mistake' }));
    // 7: a booking two days ahead redeems a USD credit when it is booked.
    const start = new Date(Math.ceil((t.clock.now().getTime() + 2 * DAY) / HOUR) * HOUR).toISOString();
    await step(async () => {
      const booked = await post('/v1/bookings', { clientId, scheduleId: schedule.body.id, sessionTypeId: sessionType.body.id, start, packageId: ids.a });
      ids.booking = booked.body.id;
    });
    // 8: the comp package's credits are worth nothing.
    await step(() => post(`/v1/packages/${ids.comp}/redemptions`, {}));
    // 9: a goodwill credit for EUR, then removals: one paid USD credit; the goodwill and one paid EUR credit.
    await step(async () => {
      await post(`/v1/packages/${ids.b}/adjustments`, { delta: 1, reason: 'Class cancelled by the studio' });
      await post(`/v1/packages/${ids.a}/adjustments`, { delta: -1, reason: 'Sold one session too many' });
      await post(`/v1/packages/${ids.b}/adjustments`, { delta: -2, reason: 'Client gave up two sessions' });
    });
    // 10: the client does not come: the booked credit is forfeited (it stays used).
    t.clock.advance(Date.parse(start) + HOUR - t.clock.now().getTime());
    await step(() => post(`/v1/bookings/${ids.booking}/attendance`, { attendance: 'no_show' }));
    // 11: one EUR credit (33.33) refunded with 30.00; the business keeps 3.33.
    await step(() => post(`/v1/packages/${ids.b}/refunds`, { credits: 1, amount: 3000, reason: 'Client moving away' }));
    // 12: the packages expire; the sweep records it later.
    const lastExpiry = Math.max(...Object.values(expiries).map(Date.parse));
    t.clock.advance(lastExpiry + 6 * HOUR - t.clock.now().getTime());
    // The sweep finds its candidates in the packages read model: wait until it has applied the last write.
    await t.http.get('/v1/packages').query({ after, limit: 1 }).set(studio.auth).expect(200);
    await step(async () => expect(await t.app.get(ExpirySweep).run()).toBe(3));
    // The sweep answers no position: a later write's position covers its events (reads wait for it with ?after=).
    await post('/v1/offerings', { name: 'Later', sessionCount: 1, price: { amount: 100, currency: 'USD' }, validityDays: 1 });
    fullCsv = await journal();
  });
  afterAll(() => t.close());

  it('writes one balanced entry per money movement, in effective order, with reversing entries and nothing for the comp package', () => {
    const entries = new Map<string, Row[]>();
    for (const row of fullCsv) entries.set(row.entry_id, [...(entries.get(row.entry_id) ?? []), row]);
    for (const [entryId, lines] of entries) {
      const debits = lines.reduce((sum, l) => sum + minor(l.debit), 0);
      const credits = lines.reduce((sum, l) => sum + minor(l.credit), 0);
      expect({ entryId, debits }).toEqual({ entryId, debits: credits });
      expect(lines.map((l) => l.line)).toEqual(lines.map((_, i) => String(i + 1)));
      expect(new Set(lines.map((l) => `${l.currency} ${l.effective_at} ${l.source_event_id} ${l.package_id} ${l.kind}`)).size).toBe(1);
      expect(entryId).toBe(`JE-${lines[0].source_event_id}`);
    }
    const summary = [...entries.values()].map((lines) => [
      lines[0].kind,
      lines[0].package_id === ids.a ? 'A' : lines[0].package_id === ids.b ? 'B' : lines[0].package_id,
      lines.map((l) => `${l.account} ${l.debit ? 'Dr' : 'Cr'} ${l.debit || l.credit}`).join(' / '),
    ]);
    expect(summary).toEqual([
      ['sale', 'A', 'cash_clearing Dr 100.00 / contract_liability Cr 100.00'],
      ['sale', 'B', 'cash_clearing Dr 100.00 / contract_liability Cr 100.00'],
      ['recognition', 'A', 'contract_liability Dr 20.00 / session_revenue Cr 20.00'],
      ['recognition', 'B', 'contract_liability Dr 33.34 / session_revenue Cr 33.34'],
      ['recognition_reversal', 'B', 'session_revenue Dr 33.34 / contract_liability Cr 33.34'],
      ['recognition', 'A', 'contract_liability Dr 20.00 / session_revenue Cr 20.00'],
      ['credit_removal', 'A', 'contract_liability Dr 20.00 / breakage_revenue Cr 20.00'],
      ['credit_removal', 'B', 'contract_liability Dr 33.34 / breakage_revenue Cr 33.34'],
      ['refund', 'B', 'contract_liability Dr 33.33 / cash_clearing Cr 30.00 / refund_retention_revenue Cr 3.33'],
      ...[
        ['breakage', 'A', 'contract_liability Dr 40.00 / breakage_revenue Cr 40.00', expiries[ids.a]],
        ['breakage', 'B', 'contract_liability Dr 33.33 / breakage_revenue Cr 33.33', expiries[ids.b]],
      ]
        .sort((x, y) => x[3].localeCompare(y[3]) || x[1].localeCompare(y[1]))
        .map(([kind, pkg, lines]) => [kind, pkg, lines]),
    ]);
    const [, , , recognitionB, reversalB] = [...entries.values()];
    expect(reversalB[0].reverses_entry_id).toBe(recognitionB[0].entry_id);
    expect(fullCsv.filter((r) => r.kind !== 'recognition_reversal').every((r) => r.reverses_entry_id === '')).toBe(true);

    expect(fullCsv.map((r) => r.currency)).toEqual(fullCsv.map((r) => (r.package_id === ids.a ? 'USD' : 'EUR')));
    expect(fullCsv.some((r) => r.package_id === ids.comp)).toBe(false);
    expect(fullCsv.some((r) => r.source_event_type === 'SessionForfeited')).toBe(false);
    // Expiry counts when the right lapsed, not when the sweep ran; everything else when it happened.
    for (const row of fullCsv.filter((r) => r.kind === 'breakage')) expect(row.effective_at).toBe(expiries[row.package_id]);
    expect(fullCsv.map((r) => r.effective_at)).toEqual(fullCsv.map((r) => r.effective_at).sort());
    // The effective date is the business's local date (Europe/Berlin), not the UTC date.
    for (const row of fullCsv) expect(row.effective_date).toBe(DateTime.fromISO(row.effective_at).setZone('Europe/Berlin').toISODate());
  });

  it('reports the contract liability per currency as of any instant, including before the sweep recorded an expiry', async () => {
    const expected: Record<string, number>[] = [
      { EUR: 0, USD: 0 }, // before any sale
      { EUR: 0, USD: 10000 },
      { EUR: 10000, USD: 10000 },
      { EUR: 10000, USD: 10000 }, // the comp sale owes nothing
      { EUR: 10000, USD: 8000 },
      { EUR: 6666, USD: 8000 },
      { EUR: 10000, USD: 8000 }, // the reversal owes the session again
      { EUR: 10000, USD: 6000 }, // booked: recognised when booked
      { EUR: 10000, USD: 6000 },
      { EUR: 6666, USD: 4000 },
      { EUR: 6666, USD: 4000 }, // the no-show forfeit moves nothing
      { EUR: 3333, USD: 4000 },
      { EUR: 0, USD: 0 },
    ];
    expect(await Promise.all(marks.map((mark) => liability(mark)))).toEqual(expected);

    const justBefore = (instant: string) => new Date(Date.parse(instant) - 1).toISOString();
    const expiredBy = (instant: string) => ({
      EUR: Date.parse(expiries[ids.b]) <= Date.parse(instant) ? 0 : 3333,
      USD: Date.parse(expiries[ids.a]) <= Date.parse(instant) ? 0 : 4000,
    });
    for (const instant of [justBefore(expiries[ids.a]), expiries[ids.a], justBefore(expiries[ids.b]), expiries[ids.b]]) {
      expect(await liability(instant)).toEqual(expiredBy(instant));
    }
    // Independent of the report: the journal's liability lines up to each mark add up to the same.
    for (const mark of marks) {
      const upTo = fullCsv.filter((r) => r.effective_at <= mark);
      expect(await liability(mark)).toEqual({ EUR: totalsFromRows(upTo, 'EUR').liability, USD: totalsFromRows(upTo, 'USD').liability });
    }
  });

  it('answers asOf in any offset as the same instant, and now by default', async () => {
    const res = await t.http.get('/v1/reports/contract-liability').query({ asOf: '2020-01-01T01:00:00+01:00' }).set(studio.auth).expect(200);
    expect(res.body).toEqual({
      asOf: '2020-01-01T00:00:00.000Z',
      timezone: 'Europe/Berlin',
      paymentMethod: null,
      currencies: [
        { currency: 'EUR', minorDigits: 2, liability: 0 },
        { currency: 'USD', minorDigits: 2, liability: 0 },
      ],
    });
    const now = await t.http.get('/v1/reports/contract-liability').set(studio.auth).expect(200);
    expect(Math.abs(Date.parse(now.body.asOf) - t.clock.now().getTime())).toBeLessThan(60_000);
  });

  it('rolls the liability forward over consecutive periods (one boundary inside a day, one at midnight) to the cent', async () => {
    const midnightAfterStep9 = new Date(Math.ceil((Date.parse(marks[9]) + 1) / DAY) * DAY).toISOString();
    expect(midnightAfterStep9 < marks[10]).toBe(true);
    const boundaries = [marks[0], marks[5], midnightAfterStep9, marks[11], marks[12]];
    const periods = [];
    for (let i = 1; i < boundaries.length; i++) periods.push(await rollforward(boundaries[i - 1], boundaries[i]));

    for (const [i, period] of periods.entries()) {
      expect({ from: period.from, to: period.to }).toEqual({ from: boundaries[i], to: boundaries[i + 1] });
      for (const row of period.currencies) {
        expect(row.difference).toBe(0);
        expect(row.opening + row.sales - row.recognised - row.breakage - row.refunds).toBe(row.closing);
        // Independent of the reports: the same columns from the journal's lines in (from, to].
        const inPeriod = fullCsv.filter((r) => r.effective_at > boundaries[i] && r.effective_at <= boundaries[i + 1]);
        const { liability: _, ...columns } = totalsFromRows(inPeriod, row.currency);
        expect({ currency: row.currency, ...columns }).toEqual({ currency: row.currency, sales: row.sales, recognised: row.recognised, breakage: row.breakage, refunds: row.refunds });
        expect(row.closing).toBe((await liability(boundaries[i + 1]))[row.currency]);
        if (i > 0) expect(row.opening).toBe(periods[i - 1].currencies.find((c: any) => c.currency === row.currency).closing);
      }
    }
    const whole = await rollforward(boundaries[0], boundaries.at(-1)!);
    expect(whole.currencies).toEqual([
      { currency: 'EUR', minorDigits: 2, opening: 0, sales: 10000, recognised: 0, breakage: 6667, refunds: 3333, chargebacks: 0, closing: 0, difference: 0 },
      { currency: 'USD', minorDigits: 2, opening: 0, sales: 10000, recognised: 4000, breakage: 6000, refunds: 0, chargebacks: 0, closing: 0, difference: 0 },
    ]);
    // The period before the midnight boundary ends with the removals, still owing the rest.
    expect(periods[1].currencies).toEqual([
      { currency: 'EUR', minorDigits: 2, opening: 6666, sales: 0, recognised: -3334, breakage: 3334, refunds: 0, chargebacks: 0, closing: 6666, difference: 0 },
      { currency: 'USD', minorDigits: 2, opening: 8000, sales: 0, recognised: 2000, breakage: 2000, refunds: 0, chargebacks: 0, closing: 4000, difference: 0 },
    ]);
  });

  it('narrows every report and the journal to a payment method; the methods add up to the whole', async () => {
    // A was paid in cash (USD), B by card (EUR); the comp package made no entries.
    expect(new Set(fullCsv.map((r) => `${r.package_id === ids.a ? 'A' : 'B'} ${r.payment_method}`))).toEqual(new Set(['A cash', 'B card']));
    const [from, to] = [marks[0], marks[12]];
    const whole = await rollforward(from, to);
    const byMethod = [];
    for (const method of ['cash', 'card', 'comp', 'bank_transfer']) {
      const period = await rollforward(from, to, method);
      expect(period.paymentMethod).toBe(method);
      const rows = await journal({ paymentMethod: method });
      expect(rows).toEqual(fullCsv.filter((r) => r.payment_method === method));
      for (const row of period.currencies) {
        // Independent of the report: the same columns from the method's journal lines.
        const { liability: _, ...columns } = totalsFromRows(rows, row.currency);
        expect({ currency: row.currency, ...columns }).toEqual({ currency: row.currency, sales: row.sales, recognised: row.recognised, breakage: row.breakage, refunds: row.refunds });
        expect(row.difference).toBe(0);
      }
      byMethod.push(period);
    }
    // Every currency is listed under every method (zero where none), and the methods add up to the whole.
    for (const [i, total] of whole.currencies.entries()) {
      for (const column of ['opening', 'sales', 'recognised', 'breakage', 'refunds', 'closing'] as const) {
        expect(byMethod.reduce((sum, period) => sum + period.currencies[i][column], 0)).toBe(total[column]);
      }
    }
    const cardLiability = (await t.http.get('/v1/reports/contract-liability').query({ asOf: marks[5], after, paymentMethod: 'card' }).set(studio.auth).expect(200)).body;
    expect(cardLiability).toMatchObject({ paymentMethod: 'card', currencies: [{ currency: 'EUR', liability: 6666 }, { currency: 'USD', liability: 0 }] });
    const refused = await t.http.get('/v1/reports/contract-liability').query({ paymentMethod: 'bitcoin' }).set(studio.auth).expect(400);
    expect(refused.body.code).toBe('validation_failed');
  });

  it('exports the journal of a period (from exclusive, to inclusive): consecutive periods add up to the whole journal', async () => {
    const cuts = [marks[4], marks[9], marks[11]];
    const parts = [await journal({ to: cuts[0] }), await journal({ from: cuts[0], to: cuts[1] }), await journal({ from: cuts[1], to: cuts[2] }), await journal({ from: cuts[2] })];
    expect(parts.flat()).toEqual(fullCsv);
    const entryKinds = (rows: Row[]) => [...new Map(rows.map((r) => [r.entry_id, r.kind])).values()];
    expect(entryKinds(parts[1])).toEqual(['recognition', 'recognition_reversal', 'recognition', 'credit_removal', 'credit_removal']);
    // A period boundary exactly at an entry's instant: the entry belongs to the period it ends.
    const sale = fullCsv[0].effective_at;
    expect((await journal({ to: sale })).map((r) => r.kind)).toEqual(['sale', 'sale']);
    expect((await journal({ from: sale })).some((r) => r.effective_at === sale)).toBe(false);
    expect(await journal({ to: '2000-01-01T00:00:00Z' })).toEqual([]);
  });

  it('a tenant that only gave comp packages has no entries, no currencies and an empty journal', async () => {
    const giver = await t.newTenant({ currency: 'GBP' });
    const offeringId = await giver.createOffering({ price: { amount: 5000, currency: 'GBP' }, validityDays: 10 });
    const sold = await t.http.post('/v1/packages').set(giver.auth).send({ offeringId, clientId: await giver.createClient(), payment: { method: 'comp' } }).expect(201);
    const used = await t.http.post(`/v1/packages/${sold.body.id}/redemptions`).set(giver.auth).send({}).expect(201);
    after = used.headers['punchcard-position'];
    expect((await t.http.get('/v1/reports/contract-liability').query({ after }).set(giver.auth).expect(200)).body.currencies).toEqual([]);
    expect(await journal({}, giver)).toEqual([]);
    const period = await t.http.get('/v1/reports/liability-rollforward').query({ from: '2020-01-01T00:00:00Z', to: t.clock.now().toISOString(), after }).set(giver.auth).expect(200);
    expect(period.body.currencies).toEqual([]);
  });

  it('refuses a period whose from is not before to (400 problem+json), and changes nothing', async () => {
    const events = await t.eventCount();
    for (const [path, query] of [
      ['/v1/reports/liability-rollforward', { from: marks[2], to: marks[1] }],
      ['/v1/reports/liability-rollforward', { from: marks[2], to: marks[2] }],
      ['/v1/reports/liability-rollforward', { from: '2026-04-02', to: '2026-04-01' }],
      ['/v1/exports/journal.csv', { from: marks[2], to: marks[1] }],
    ] as const) {
      const res = await t.http.get(path).query(query).set(studio.auth).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('validation_failed');
    }
    expect(await t.eventCount()).toBe(events);
  });

  it('rebuilding the accounting read model from the first event yields exactly the live documents', async () => {
    await t.http.get('/v1/reports/contract-liability').query({ after }).set(studio.auth).expect(200);
    const { rows } = await t.db.pool.query(`SELECT collection, count(*)::int AS n FROM read_documents WHERE collection = ANY($1::text[]) GROUP BY 1 ORDER BY 1`, [
      accountingJournalProjection.collections,
    ]);
    expect(rows).toEqual([
      { collection: 'accounting-currencies', n: 1 },
      { collection: 'accounting-days', n: expect.any(Number) },
      { collection: 'accounting-packages', n: 2 }, // the comp packages have none: they never move value
      { collection: 'journal-lines', n: fullCsv.length },
    ]);
    expect((await t.infrastructure.runner.check(accountingJournalProjection)).differences).toEqual([]);
  });
});
