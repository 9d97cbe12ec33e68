import { DateTime } from 'luxon';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * The books keep the business's calendar: a sale at 00:30 in Berlin on the 1st of a month is in that
 * month (in UTC it is still the last day of the previous one). Effective dates in the journal and
 * report periods are the business's local dates; the entry keeps its instant.
 */
describe('Accounting over HTTP: local dates and periods of the business', () => {
  let t: TestApp;
  let berlin: TenantSession;
  let sale: { id: string; purchasedAt: string };
  let after: string;
  // The 1st of the next month, 00:30 in Berlin (the previous day in UTC).
  let first: DateTime;
  const lastOfPrevious = () => first.minus({ days: 1 }).toISODate()!;

  beforeAll(async () => {
    t = await createTestApp();
    berlin = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
    const offeringId = await berlin.createOffering({ price: { amount: 12000, currency: 'EUR' }, sessionCount: 4 });
    const clientId = await berlin.createClient();
    first = DateTime.fromJSDate(t.clock.now()).setZone('Europe/Berlin').startOf('month').plus({ months: 1, minutes: 30 });
    t.clock.advance(first.toMillis() - t.clock.now().getTime());
    const sold = await t.http.post('/v1/packages').set(berlin.auth).send({ offeringId, clientId, payment: { method: 'cash' } }).expect(201);
    sale = sold.body;
    after = sold.headers['punchcard-position'];
  });
  afterAll(() => t.close());

  it('dates the journal line by the local date, and keeps the instant', async () => {
    const csv = (await t.http.get('/v1/exports/journal.csv').query({ after }).set(berlin.auth).buffer(true).expect(200)).text;
    const [header, ...lines] = csv.split('\r\n').filter((line) => line !== '');
    const names = header.split(',');
    const rows = lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [names[i], value])));
    expect(rows.map((r) => [r.effective_date, r.effective_at])).toEqual([
      [first.toISODate(), sale.purchasedAt],
      [first.toISODate(), sale.purchasedAt],
    ]);
    expect(sale.purchasedAt.slice(0, 10)).toBe(lastOfPrevious()); // the UTC date: the day before
    // Local dates as export bounds: the previous month holds nothing, this one the sale.
    expect((await t.http.get('/v1/exports/journal.csv').query({ after, to: lastOfPrevious() }).set(berlin.auth).expect(200)).text.trim().split('\r\n')).toHaveLength(1);
    expect((await t.http.get('/v1/exports/journal.csv').query({ after, from: first.toISODate() }).set(berlin.auth).expect(200)).text.trim().split('\r\n')).toHaveLength(3);
  });

  it('reports local months: the rollforward defaults to the current local month, and takes local dates', async () => {
    const rollforward = async (query: Record<string, string>) => (await t.http.get('/v1/reports/liability-rollforward').query({ after, ...query }).set(berlin.auth).expect(200)).body;
    const month = await rollforward({});
    expect(month).toMatchObject({
      timezone: 'Europe/Berlin',
      from: first.startOf('month').toUTC().toISO(),
      to: first.startOf('month').plus({ months: 1 }).toUTC().toISO(),
      currencies: [{ currency: 'EUR', opening: 0, sales: 12000, closing: 12000 }],
    });
    const previousMonth = first.minus({ months: 1 });
    expect(await rollforward({ from: previousMonth.toISODate()!, to: lastOfPrevious() })).toMatchObject({ currencies: [{ currency: 'EUR', sales: 0, closing: 0 }] });
    expect(await rollforward({ from: first.toISODate()!, to: first.toISODate()! })).toMatchObject({ currencies: [{ currency: 'EUR', opening: 0, sales: 12000, closing: 12000 }] });
  });

  it('reads a local date as asOf through its end', async () => {
    const liability = async (asOf: string) => (await t.http.get('/v1/reports/contract-liability').query({ after, asOf }).set(berlin.auth).expect(200)).body;
    expect(await liability(lastOfPrevious())).toMatchObject({ asOf: first.startOf('day').toUTC().toISO(), currencies: [{ currency: 'EUR', liability: 0 }] });
    expect(await liability(first.toISODate()!)).toMatchObject({ currencies: [{ currency: 'EUR', liability: 12000 }] });
    for (const bad of ['2026-02-30', '31.03.2026', '2026-03-31T22:00:00']) {
      const res = await t.http.get('/v1/reports/contract-liability').query({ asOf: bad }).set(berlin.auth).expect(400);
      expect(res.body.code).toBe('validation_failed');
    }
  });
});
