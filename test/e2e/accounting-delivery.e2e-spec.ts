import type { Response } from 'supertest';
import { accountingJournalProjection } from '@punchcard/projections';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

const HOUR = 60 * 60 * 1000;
const ALL_DAY = [{ start: '00:00', end: '24:00' }];
const EVERY_DAY = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [day, ALL_DAY]));

type Row = Record<string, string>;
const parseCsv = (text: string): Row[] => {
  const [header, ...records] = text.split('\r\n').filter((line) => line !== '');
  const names = header.split(',');
  return records.map((record) => Object.fromEntries(record.split(',').map((value, i) => [names[i], value])));
};

/**
 * The delivery basis over HTTP: a business switches from the default (revenue when a credit is
 * redeemed) to recognising it when the session takes place. Packages sold before keep the old basis;
 * bookings of packages sold after count at their session, move with a reschedule and are earned at a
 * late cancellation that forfeits them.
 */
describe('Accounting: the recognition basis, chosen per business', () => {
  let t: TestApp;
  let studio: TenantSession;
  let after = '';
  const track = (res: Response): Response => {
    if (res.status >= 300) throw new Error(`${res.status}: ${res.text}`);
    after = res.headers['punchcard-position'] ?? after;
    return res;
  };
  const post = async (path: string, body: Record<string, unknown>) => track(await t.http.post(path).set(studio.auth).send(body));
  const liabilityAt = async (asOf: string): Promise<number> => {
    const res = await t.http.get('/v1/reports/contract-liability').query({ asOf, after }).set(studio.auth).expect(200);
    return res.body.currencies.find((c: { currency: string }) => c.currency === 'EUR')?.liability ?? 0;
  };

  const ids = { before: '', delivered: '', bookingA: '', bookingB: '', bookingC: '', bookingD: '', clientId: '', scheduleId: '', sessionTypeId: '' };
  const at = { t0: '', a: '', b: '', bMoved: '', c: '', d: '', forfeit: '', lastSale: '' };

  beforeAll(async () => {
    t = await createTestApp();
    studio = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
    ids.clientId = await studio.createClient('Grace Hopper');
    ids.sessionTypeId = (await post('/v1/session-types', { name: 'Personal training', durationMinutes: 60, price: { amount: 3000, currency: 'EUR' } })).body.id;
    ids.scheduleId = (await post('/v1/schedules', { host: 'Coach Grace', timezone: 'UTC', weeklyHours: EVERY_DAY, sessionTypeIds: [ids.sessionTypeId] })).body.id;
  });
  afterAll(() => t.close());

  // `to` far ahead: on the delivery basis sessions booked ahead make entries dated in the future (the export stops at now by default).
  const journalRows = async () =>
    parseCsv((await t.http.get('/v1/exports/journal.csv').query({ after, to: '2030-01-01T00:00:00Z' }).set(studio.auth).buffer(true).expect(200)).text);
  const book = async (packageId: string, start: string) =>
    (await post('/v1/bookings', { clientId: ids.clientId, scheduleId: ids.scheduleId, sessionTypeId: ids.sessionTypeId, start, packageId })).body.id as string;

  it('starts on the redemption basis, and an admin changes it with a reason; choosing it again records nothing', async () => {
    const initial = await t.http.get('/v1/accounting/policy').set(studio.auth).expect(200);
    expect(initial.body).toEqual({ recognitionBasis: 'redemption', isDefault: true, changes: [] });

    const events = await t.eventCount();
    const changed = await t.http.patch('/v1/accounting/policy').set(studio.auth).send({ recognitionBasis: 'delivery', reason: 'IFRS 15: earned when delivered' }).expect(200);
    expect(changed.body).toMatchObject({ recognitionBasis: 'delivery', isDefault: false, changes: [{ basis: 'delivery', previousBasis: 'redemption', reason: 'IFRS 15: earned when delivered' }] });
    expect(changed.headers['punchcard-position']).toBeDefined();
    await t.http.patch('/v1/accounting/policy').set(studio.auth).send({ recognitionBasis: 'delivery', reason: 'again' }).expect(200);
    expect(await t.eventCount()).toBe(events + 1);
    // Switch back for the story below, which sells one package on each basis.
    await t.http.patch('/v1/accounting/policy').set(studio.auth).send({ recognitionBasis: 'redemption', reason: 'until the accountant confirms' }).expect(200);
  });

  it('refuses an unknown basis or a blank reason (400 problem+json), writing nothing', async () => {
    const events = await t.eventCount();
    for (const body of [{ recognitionBasis: 'cash', reason: 'x' }, { recognitionBasis: 'delivery', reason: '  ' }, { recognitionBasis: 'delivery' }]) {
      const res = await t.http.patch('/v1/accounting/policy').set(studio.auth).send(body).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('validation_failed');
    }
    expect(await t.eventCount()).toBe(events);
  });

  it('a package keeps the basis it was sold under: bookings count at booking time before the switch, at the session after it', async () => {
    const offeringId = await studio.createOffering({
      name: '4 sessions',
      sessionCount: 4,
      price: { amount: 10000, currency: 'EUR' },
      validityDays: 30,
      scheduleId: ids.scheduleId,
      sessionTypeIds: [ids.sessionTypeId],
      cancellationPolicy: { noticeHours: 24, lateCancellation: 'forfeit', noShow: 'forfeit' },
    });
    const sell = async () => (await post('/v1/packages', { offeringId, clientId: ids.clientId, payment: { method: 'card' } })).body.id as string;
    const hourFromT0 = (hours: number) => new Date(Math.ceil(Date.parse(at.t0) / HOUR) * HOUR + hours * HOUR).toISOString();

    at.t0 = t.clock.now().toISOString();
    ids.before = await sell(); // on the redemption basis
    t.clock.advance(HOUR);
    await t.http.patch('/v1/accounting/policy').set(studio.auth).send({ recognitionBasis: 'delivery', reason: 'IFRS 15' }).expect(200);
    t.clock.advance(HOUR);
    ids.delivered = await sell(); // on the delivery basis
    at.lastSale = t.clock.now().toISOString();

    [at.a, at.b, at.d, at.c, at.bMoved] = [hourFromT0(48), hourFromT0(50), hourFromT0(53), hourFromT0(72), hourFromT0(96)];
    t.clock.advance(HOUR);
    ids.bookingA = await book(ids.before, at.a); // 25.00 recognised now
    ids.bookingB = await book(ids.delivered, at.b); // 25.00 at b
    ids.bookingC = await book(ids.delivered, at.c);
    ids.bookingD = await book(ids.delivered, at.d);
    const booked = t.clock.now().toISOString();
    t.clock.advance(HOUR);
    await post(`/v1/bookings/${ids.bookingB}/reschedules`, { start: at.bMoved }); // moves to bMoved
    // Two hours before D, inside the 24 h notice: the credit is forfeited, and earned now.
    t.clock.advance(Date.parse(at.d) - 2 * HOUR - t.clock.now().getTime());
    const cancelledFrom = t.clock.now().toISOString();
    const cancelled = await post(`/v1/bookings/${ids.bookingD}/cancellations`, { reason: 'Overslept' });
    expect(cancelled.body).toMatchObject({ creditOutcome: 'forfeited' });
    // The forfeit's business time (the test clock ticks on while the request runs).
    at.forfeit = (await journalRows()).find((r) => r.source_event_type === 'SessionForfeited' && r.kind === 'recognition')!.effective_at;
    expect(at.forfeit >= cancelledFrom && at.forfeit < at.d).toBe(true);

    const justBefore = (instant: string) => new Date(Date.parse(instant) - 1).toISOString();
    // Both packages sold: 200.00 owed. A (old basis) counts at booking; B, C, D (delivery) when delivered.
    expect(await liabilityAt(at.lastSale)).toBe(20000);
    expect(await liabilityAt(booked)).toBe(17500);
    expect(await liabilityAt(at.a)).toBe(17500); // A was recognised when booked
    expect(await liabilityAt(at.b)).toBe(17500); // B moved away from b: nothing there
    expect(await liabilityAt(justBefore(at.forfeit))).toBe(17500);
    expect(await liabilityAt(at.forfeit)).toBe(15000); // D earned at the late cancellation
    expect(await liabilityAt(justBefore(at.c))).toBe(15000);
    expect(await liabilityAt(at.c)).toBe(12500);
    expect(await liabilityAt(at.bMoved)).toBe(10000);

    const period = (await t.http.get('/v1/reports/liability-rollforward').query({ from: at.t0, to: at.bMoved, after }).set(studio.auth).expect(200)).body;
    expect(period.currencies).toEqual([{ currency: 'EUR', minorDigits: 2, opening: 0, sales: 20000, recognised: 10000, breakage: 0, refunds: 0, closing: 10000, difference: 0 }]);
  });

  it('the journal shows each move as a reversal and a new recognition, named after the event that moved it', async () => {
    const rows = (await journalRows()).filter((r) => r.account === 'contract_liability' && r.package_id === ids.delivered && r.kind !== 'sale');
    const summary = (list: string[][]) => list.map((row) => row.join(' ')).sort();
    expect(summary(rows.map((r) => [r.kind, r.source_event_type, r.effective_at, r.entry_id.endsWith('-2') ? 'second' : 'first']))).toEqual(
      summary([
        ['recognition', 'SessionRedeemed', at.b, 'first'], // B booked for b
        ['recognition_reversal', 'SessionRescheduled', at.b, 'first'], // B moved: reversed where it stood
        ['recognition', 'SessionRescheduled', at.bMoved, 'second'], // and recognised at its new time
        ['recognition', 'SessionRedeemed', at.c, 'first'],
        ['recognition', 'SessionRedeemed', at.d, 'first'],
        ['recognition_reversal', 'SessionForfeited', at.d, 'first'], // D forfeited late: reversed where it stood
        ['recognition', 'SessionForfeited', at.forfeit, 'second'], // and earned at the forfeit
      ]),
    );
    // Each reversal names the entry it reverses, which stood at the same instant.
    for (const reversal of rows.filter((r) => r.kind === 'recognition_reversal')) {
      const reversed = rows.find((r) => r.entry_id === reversal.reverses_entry_id);
      expect(reversed).toMatchObject({ kind: 'recognition', effective_at: reversal.effective_at });
    }
    // Nothing counts before the event that wrote it: every entry of the delivered package is at or after its sale.
    expect(rows.every((r) => r.effective_at >= at.lastSale)).toBe(true);
  });

  it('rebuilding the accounting read model from the first event yields exactly the live documents', async () => {
    await t.http.get('/v1/reports/contract-liability').query({ after }).set(studio.auth).expect(200);
    expect((await t.infrastructure.runner.check(accountingJournalProjection)).differences).toEqual([]);
  });
});
