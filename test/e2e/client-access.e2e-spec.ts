import jwt from 'jsonwebtoken';
import { DateTime } from 'luxon';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { withTenant } from '@punchcard/postgres';
import { ClientTokens } from '../../apps/api/src/auth/client-tokens';
import { loadConfig } from '@punchcard/platform';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * Client tokens and /v1/me: an admin mints a short-lived token for one client, and with it the client
 * sees and changes their own records only. Anything of another client (or tenant) answers as an
 * unknown id does, and a token that is not exactly one we minted is refused (docs/adr/0013).
 */

const NY = 'America/New_York';
const HOUR = 60 * 60 * 1000;
const NINE_TO_FIVE = [{ start: '09:00', end: '17:00' }];
const WEEKDAY_HOURS = { monday: NINE_TO_FIVE, tuesday: NINE_TO_FIVE, wednesday: NINE_TO_FIVE, thursday: NINE_TO_FIVE, friday: NINE_TO_FIVE };
const STRICT_POLICY = { noticeHours: 24, lateCancellation: 'forfeit', noShow: 'forfeit' };

let t: TestApp;
let studio: TenantSession;
let elsewhere: TenantSession;
/** The secret the app generated and stored (tests forge tokens with it). */
let secret: string;

const S = {
  sessionTypeId: '',
  scheduleId: '',
  /** Only the VIP offering books here. */
  vipScheduleId: '',
  offeringId: '',
  singleOfferingId: '',
  vipOfferingId: '',
  draftOfferingId: '',
  ada: '',
  adaPackage: '',
  adaToken: '',
  bob: '',
  bobPackage: '',
  bobBooking: '',
  /** Where Bob's booking put the event log (reads ?after= it include it). */
  bobPosition: '',
  bobToken: '',
};
const E = { bruno: '', brunoPackage: '', brunoToken: '', scheduleId: '', sessionTypeId: '' };

const bearer = (credential: string) => ({ Authorization: `Bearer ${credential}` });

function expectProblem(res: Response, status: number, code: string) {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

const mint = (tenant: TenantSession, clientId: string, body: Record<string, unknown> = {}) => t.http.post(`/v1/clients/${clientId}/tokens`).set(tenant.auth).send(body);

async function tokenFor(tenant: TenantSession, clientId: string): Promise<string> {
  return (await mint(tenant, clientId).expect(201)).body.token;
}

/** A token signed with `key` (default: the app's secret), claims and options overridable. */
function forge(claims: Record<string, unknown>, options: Record<string, unknown> = {}, key = secret): string {
  const defaults = { algorithm: 'HS256', issuer: 'punchcard', audience: 'punchcard-client', subject: S.ada, jwtid: randomUUID(), expiresIn: 600 };
  // An option given as undefined is left out (jsonwebtoken refuses undefined values).
  const signOptions = Object.fromEntries(Object.entries({ ...defaults, ...options }).filter(([, value]) => value !== undefined));
  return jwt.sign({ tid: studio.tenantId, ...claims }, key, signOptions as jwt.SignOptions);
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

const createSessionType = async (tenant: TenantSession) =>
  (await t.http.post('/v1/session-types').set(tenant.auth).send({ name: 'Personal training', durationMinutes: 60, price: { amount: 9000, currency: 'USD' } }).expect(201)).body.id;

const createSchedule = async (tenant: TenantSession, sessionTypeIds: string[]) =>
  (await t.http.post('/v1/schedules').set(tenant.auth).send({ host: 'Coach Ada', timezone: NY, weeklyHours: WEEKDAY_HOURS, sessionTypeIds }).expect(201)).body.id;

/** Sells a package and waits until the read models have it. */
async function sell(tenant: TenantSession, offeringId: string, clientId: string): Promise<string> {
  const res = await t.http.post('/v1/packages').set(tenant.auth).send({ offeringId, clientId, payment: { method: 'cash' } }).expect(201);
  await t.http.get('/v1/packages').query({ after: res.headers['punchcard-position'], limit: 1 }).set(tenant.auth).expect(200);
  return res.body.id;
}

/** The Monday (New York) of the week after the one two days from now: 3 to 9 days ahead. */
const nextMonday = () => DateTime.fromJSDate(t.clock.now(), { zone: NY }).plus({ days: 2 }).startOf('week').plus({ weeks: 1 });
const at = (day: DateTime, hour: number) => day.set({ hour, minute: 0, second: 0, millisecond: 0 }).toUTC().toISO()!;

/** Reads as the client after a write, once the read models include it. */
const readAfter = (token: string, path: string, res: Response) => t.http.get(path).query({ after: res.headers['punchcard-position'] }).set(bearer(token));

async function eventsOf(streamId: string) {
  const { rows } = await t.db.pool.query('SELECT type, metadata FROM events WHERE stream_id = $1 ORDER BY stream_version', [streamId]);
  return rows as { type: string; metadata: { actor: { id: string; role: string } } }[];
}

beforeAll(async () => {
  t = await createTestApp();
  studio = await t.newTenant({ timezone: NY });
  elsewhere = await t.newTenant({ timezone: NY });
  secret = (await t.db.pool.query(`SELECT secret FROM signing_secrets WHERE id = 'client-tokens'`)).rows[0].secret;

  S.sessionTypeId = await createSessionType(studio);
  S.scheduleId = await createSchedule(studio, [S.sessionTypeId]);
  S.vipScheduleId = await createSchedule(studio, [S.sessionTypeId]);
  const terms = { scheduleId: S.scheduleId, sessionTypeIds: [S.sessionTypeId], cancellationPolicy: STRICT_POLICY };
  S.offeringId = await studio.createOffering({ name: '3 sessions', sessionCount: 3, ...terms });
  S.singleOfferingId = await studio.createOffering({ name: 'Single session', sessionCount: 1, ...terms });
  S.vipOfferingId = await studio.createOffering({ name: 'VIP 10', sessionCount: 10, scheduleId: S.vipScheduleId, visibility: { kind: 'groups', groups: ['VIP'] } });
  S.draftOfferingId = await studio.createOffering({ name: 'Coming soon', status: 'draft' });

  S.ada = await studio.createClient('Ada Lovelace');
  S.bob = await studio.createClient('Bob Builder');
  S.adaPackage = await sell(studio, S.offeringId, S.ada);
  S.bobPackage = await sell(studio, S.offeringId, S.bob);
  S.adaToken = await tokenFor(studio, S.ada);
  S.bobToken = await tokenFor(studio, S.bob);

  E.sessionTypeId = await createSessionType(elsewhere);
  E.scheduleId = await createSchedule(elsewhere, [E.sessionTypeId]);
  E.bruno = await elsewhere.createClient('Bruno Beispiel');
  E.brunoPackage = await sell(elsewhere, await elsewhere.createOffering({ name: 'Elsewhere 5', sessionCount: 5 }), E.bruno);
  E.brunoToken = await tokenFor(elsewhere, E.bruno);

  // Bob books the Monday 09:00 session with his own token.
  const booked = await t.http
    .post('/v1/me/bookings')
    .set(bearer(S.bobToken))
    .send({ scheduleId: S.scheduleId, sessionTypeId: S.sessionTypeId, start: at(nextMonday(), 9) })
    .expect(201);
  S.bobBooking = booked.body.id;
  S.bobPosition = booked.headers['punchcard-position'];
});

afterAll(async () => {
  await t?.close();
});

describe('minting client tokens', () => {
  it('an admin mints a signed, short-lived token for one of their clients', async () => {
    const before = Date.now();
    const res = await mint(studio, S.ada).expect(201);
    expect(res.body).toEqual({ token: expect.any(String), tokenType: 'Bearer', expiresAt: expect.any(String), clientId: S.ada });
    expect(res.headers['cache-control']).toBe('no-store');
    const expiresAt = Date.parse(res.body.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3600 * 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600 * 1000);

    const { header, payload } = jwt.decode(res.body.token, { complete: true }) as jwt.Jwt & { payload: jwt.JwtPayload };
    expect(header.alg).toBe('HS256');
    expect(payload).toEqual({
      sub: S.ada,
      tid: studio.tenantId,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iss: 'punchcard',
      aud: 'punchcard-client',
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload.exp! * 1000).toBe(expiresAt);
    // It was signed with the stored secret, and each token is its own.
    expect(() => jwt.verify(res.body.token, secret, { algorithms: ['HS256'] })).not.toThrow();
    expect((jwt.decode((await mint(studio, S.ada).expect(201)).body.token) as jwt.JwtPayload).jti).not.toBe(payload.jti);
  });

  it('takes ttlSeconds from 60 to 86400', async () => {
    for (const ttlSeconds of [60, 86_400]) {
      const { token } = (await mint(studio, S.ada, { ttlSeconds }).expect(201)).body;
      const payload = jwt.decode(token) as jwt.JwtPayload;
      expect(payload.exp! - payload.iat!).toBe(ttlSeconds);
    }
    for (const body of [{ ttlSeconds: 59 }, { ttlSeconds: 86_401 }, { ttlSeconds: 600.5 }, { ttlSeconds: '600' }, { ttlSeconds: null }, { clientId: S.bob }, { tenantId: elsewhere.tenantId }]) {
      expectProblem(await mint(studio, S.ada, body), 400, 'validation_failed');
    }
  });

  it('answers 404 client_not_found for an unknown client, another tenant’s client or a malformed id', async () => {
    expectProblem(await mint(studio, randomUUID()), 404, 'client_not_found');
    expectProblem(await mint(studio, E.bruno), 404, 'client_not_found');
    expectProblem(await mint(studio, 'not-a-uuid'), 404, 'client_not_found');
  });

  it('is for admins only: staff, accountants and clients get 403', async () => {
    for (const role of ['staff', 'accountant']) {
      const { key } = (await t.http.post('/v1/api-keys').set(studio.auth).send({ role, name: `${role} key` }).expect(201)).body;
      expectProblem(await t.http.post(`/v1/clients/${S.ada}/tokens`).set(bearer(key)).send({}), 403, 'role_forbidden');
    }
    expectProblem(await t.http.post(`/v1/clients/${S.ada}/tokens`).set(bearer(S.adaToken)).send({}), 403, 'forbidden');
    expectProblem(await t.http.post(`/v1/clients/${S.ada}/tokens`).set(bearer(t.operatorKey)).send({}), 403, 'forbidden');
  });
});

describe('the signing secret', () => {
  it('is stored once, and the service role that serves requests cannot read it', async () => {
    const { rows } = await t.db.pool.query(`SELECT id, length(secret) AS length FROM signing_secrets WHERE id = 'client-tokens'`);
    expect(rows).toEqual([{ id: 'client-tokens', length: 43 }]);
    await expect(withTenant(studio.tenantId, () => t.infrastructure.pool.query('SELECT secret FROM signing_secrets'))).rejects.toThrow(/permission denied/);
  });

  it('PUNCHCARD_TOKEN_SECRET replaces it (at least 32 characters), and tokens of one secret do not pass the other', async () => {
    const config = (tokenSecret: string) => ({ ...loadConfig({}), tokenSecret });
    await expect(new ClientTokens(t.infrastructure.system.pool, config('too short')).onModuleInit()).rejects.toThrow(/at least 32 characters/);

    const fromEnv = new ClientTokens(t.infrastructure.system.pool, config(randomBytes(32).toString('hex')));
    await fromEnv.onModuleInit();
    const own = fromEnv.mint(studio.tenantId, S.ada, 600).token;
    expect(await fromEnv.verify(own)).toEqual({ kind: 'client', tenantId: studio.tenantId, clientId: S.ada, tokenId: expect.any(String) });
    expect(await fromEnv.verify(S.adaToken)).toBeNull();
    expectProblem(await t.http.get('/v1/me').set(bearer(own)), 401, 'unauthorized');
  });
});

describe('tokens that are refused', () => {
  const cases: [string, () => string][] = [
    ['an expired token', () => forge({ iat: Math.floor(Date.now() / 1000) - 120, exp: Math.floor(Date.now() / 1000) - 60 }, { expiresIn: undefined })],
    ['a token signed with another secret', () => forge({}, {}, randomBytes(32).toString('base64url'))],
    ['an alg: none token', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(jwt.decode(forge({})) as object)}.`],
    ['an alg: none token with the genuine signature kept', () => { const [, body, signature] = forge({}).split('.'); return `${b64({ alg: 'none', typ: 'JWT' })}.${body}.${signature}`; }],
    ['a token under another HMAC algorithm (HS512, same secret)', () => forge({}, { algorithm: 'HS512' })],
    ['a token for another audience', () => forge({}, { audience: 'punchcard-admin' })],
    ['a token from another issuer', () => forge({}, { issuer: 'someone-else' })],
    ['a token without an expiry', () => forge({}, { expiresIn: undefined })],
    ['a token running longer than any we mint', () => forge({}, { expiresIn: 86_400 * 7 })],
    ['a token whose subject is not a client id', () => forge({}, { subject: 'admin' })],
    ['a token without a tenant', () => forge({ tid: undefined })],
    ['a token whose tenant is not an id', () => forge({ tid: 'operator' })],
    ['a token without a token id', () => forge({}, { jwtid: undefined })],
    ['a token for a client of another tenant, re-aimed at this tenant', () => forge({}, { subject: E.bruno })],
    ['a token for a client that does not exist', () => forge({}, { subject: randomUUID() })],
    ['a token with its payload altered', () => { const [head, , signature] = S.adaToken.split('.'); return `${head}.${b64({ ...(jwt.decode(S.adaToken) as object), sub: S.bob })}.${signature}`; }],
    ['garbage in three parts', () => 'a.b.c'],
  ];

  it.each(cases)('%s answers 401', async (_, token) => {
    const before = await t.eventCount();
    for (const res of [
      await t.http.get('/v1/me').set(bearer(token())),
      await t.http.get('/v1/me/packages').set(bearer(token())),
      await t.http.post('/v1/me/bookings').set(bearer(token())).send({ scheduleId: S.scheduleId, sessionTypeId: S.sessionTypeId, start: at(nextMonday(), 11) }),
    ]) {
      expectProblem(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect(await t.eventCount()).toBe(before);
  });

  it('a token forged with the app’s own secret and nothing wrong passes (so each case above fails for its one defect)', async () => {
    await t.http.get('/v1/me').set(bearer(forge({}))).expect(200);
  });

  it('a token stops working once its client is erased from the directory', async () => {
    const gone = await studio.createClient('Gone Soon');
    const token = await tokenFor(studio, gone);
    await t.db.pool.query('DELETE FROM clients WHERE id = $1', [gone]);
    expectProblem(await t.http.get('/v1/me').set(bearer(token)), 401, 'unauthorized');
  });
});

describe('who may call what', () => {
  it('a client token gets 403 on tenant routes', async () => {
    for (const [method, path] of [
      ['get', '/v1/packages'],
      ['get', `/v1/packages/${S.adaPackage}`],
      ['get', `/v1/clients/${S.ada}`],
      ['get', `/v1/clients/${S.ada}/packages`],
      ['get', '/v1/bookings'],
      ['get', '/v1/offerings'],
      ['post', '/v1/bookings'],
      ['post', `/v1/packages/${S.adaPackage}/redemptions`],
    ] as const) {
      const res = method === 'get' ? await t.http.get(path).set(bearer(S.adaToken)) : await t.http.post(path).set(bearer(S.adaToken)).send({});
      expectProblem(res, 403, 'forbidden');
    }
  });

  it('a tenant key (even an admin’s) and the operator key get 403 on /v1/me', async () => {
    for (const auth of [studio.auth, bearer(t.operatorKey)]) {
      expectProblem(await t.http.get('/v1/me').set(auth), 403, 'forbidden');
      expectProblem(await t.http.get('/v1/me/packages').set(auth), 403, 'forbidden');
      expectProblem(await t.http.post('/v1/me/bookings').set(auth).send({}), 403, 'forbidden');
    }
  });

  it('no credential is 401', async () => {
    expectProblem(await t.http.get('/v1/me'), 401, 'unauthorized');
  });
});

describe('a client’s own records', () => {
  it('GET /v1/me is the client’s directory entry', async () => {
    const res = await t.http.get('/v1/me').set(bearer(S.adaToken)).expect(200);
    expect(res.body).toEqual({ id: S.ada, name: 'Ada Lovelace', email: expect.stringContaining('@example.com'), timezone: null });
  });

  it('lists own packages only, with "session N of M"', async () => {
    const res = await t.http.get('/v1/me/packages').set(bearer(S.adaToken)).expect(200);
    expect(res.body.items).toEqual([
      {
        id: S.adaPackage,
        offeringId: S.offeringId,
        offeringName: '3 sessions',
        status: 'active',
        creditsTotal: 3,
        creditsUsed: 0,
        creditsRemaining: 3,
        purchasedAt: expect.any(String),
        expiresAt: expect.any(String),
        nextSession: { number: 1, of: 3 },
        progress: 'session 1 of 3',
      },
    ]);
    const bobs = await t.http.get('/v1/me/packages').query({ after: S.bobPosition }).set(bearer(S.bobToken)).expect(200);
    expect(bobs.body.items.map((p: { id: string; progress: string }) => [p.id, p.progress])).toEqual([[S.bobPackage, 'session 2 of 3']]);
  });

  it('pages own packages: newest first, cursor and limit (at most 100)', async () => {
    const carol = await studio.createClient('Carol Paged');
    const bought = [];
    for (let i = 0; i < 3; i++) bought.push(await sell(studio, S.singleOfferingId, carol));
    const token = await tokenFor(studio, carol);
    const page = async (query: Record<string, string | number>) =>
      (await t.http.get('/v1/me/packages').query(query).set(bearer(token)).expect(200)).body;
    const first = await page({ limit: 2 });
    expect([first.items.map((p: { id: string }) => p.id), first.nextCursor]).toEqual([[bought[2], bought[1]], bought[1]]);
    const second = await page({ limit: 2, cursor: first.nextCursor });
    expect([second.items.map((p: { id: string }) => p.id), second.nextCursor]).toEqual([[bought[0]], null]);
    expectProblem(await t.http.get('/v1/me/packages').query({ limit: 101 }).set(bearer(token)), 400, 'validation_failed');
  });

  it('another client’s package answers 404, exactly as an unknown one', async () => {
    for (const id of [S.bobPackage, randomUUID(), E.brunoPackage]) {
      expectProblem(await t.http.get(`/v1/me/packages/${id}`).set(bearer(S.adaToken)), 404, 'package_not_found');
      expectProblem(await t.http.get(`/v1/me/packages/${id}/ledger`).set(bearer(S.adaToken)), 404, 'package_not_found');
    }
    expectProblem(await t.http.get('/v1/me/packages/not-a-uuid').set(bearer(S.adaToken)), 404, 'package_not_found');
  });

  it('another client’s booking answers 404 on read, cancel and reschedule, and never appears in the list', async () => {
    const before = await t.eventCount();
    for (const id of [S.bobBooking, randomUUID()]) {
      expectProblem(await t.http.get(`/v1/me/bookings/${id}`).set(bearer(S.adaToken)), 404, 'booking_not_found');
      expectProblem(await t.http.post(`/v1/me/bookings/${id}/cancellations`).set(bearer(S.adaToken)).send({}), 404, 'booking_not_found');
      expectProblem(await t.http.post(`/v1/me/bookings/${id}/reschedules`).set(bearer(S.adaToken)).send({ start: at(nextMonday(), 14) }), 404, 'booking_not_found');
    }
    expect(await t.eventCount()).toBe(before);
    const list = await t.http.get('/v1/me/bookings').query({ after: S.bobPosition }).set(bearer(S.adaToken)).expect(200);
    expect(list.body.items.map((b: { id: string }) => b.id)).not.toContain(S.bobBooking);
    // Bob has it.
    await t.http.get(`/v1/me/bookings/${S.bobBooking}`).set(bearer(S.bobToken)).expect(200);
    expect((await t.http.get('/v1/me/bookings').set(bearer(S.bobToken)).expect(200)).body.items.map((b: { id: string }) => b.id)).toEqual([S.bobBooking]);
  });

  it('sees only the offerings visible to them; joining a group shows that group’s offerings', async () => {
    const ids = async () => (await t.http.get('/v1/me/offerings').set(bearer(S.adaToken)).expect(200)).body.items.map((o: { id: string }) => o.id);
    expect(await ids()).toEqual([S.singleOfferingId, S.offeringId]);
    const offering = (await t.http.get('/v1/me/offerings').set(bearer(S.adaToken)).expect(200)).body.items[1];
    expect(offering).toEqual({
      id: S.offeringId,
      name: '3 sessions',
      description: null,
      status: 'active',
      sessionCount: 3,
      price: { amount: 54000, currency: 'USD' },
      validity: { kind: 'days', days: 90 },
      scheduleId: S.scheduleId,
      sessionTypeIds: [S.sessionTypeId],
      maxSessionsPerWeek: null,
      cancellationPolicy: STRICT_POLICY,
    });
    expectProblem(await t.http.get(`/v1/me/schedules/${S.vipScheduleId}/slots`).query({ from: '2030-01-07', to: '2030-01-07' }).set(bearer(S.adaToken)), 404, 'schedule_not_found');

    const vip = await studio.createClient('Vera Vip');
    await t.http.patch(`/v1/clients/${vip}`).set(studio.auth).send({ groups: ['VIP'] }).expect(200);
    const vipToken = await tokenFor(studio, vip);
    const seen = (await t.http.get('/v1/me/offerings').set(bearer(vipToken)).expect(200)).body.items.map((o: { id: string }) => o.id);
    expect(seen).toEqual([S.vipOfferingId, S.singleOfferingId, S.offeringId]);
    expect(seen).not.toContain(S.draftOfferingId);
    const schedules = (await t.http.get('/v1/me/schedules').set(bearer(vipToken)).expect(200)).body.items.map((s: { id: string }) => s.id);
    expect(schedules.sort()).toEqual([S.scheduleId, S.vipScheduleId].sort());
    expect((await t.http.get('/v1/me/schedules').set(bearer(S.adaToken)).expect(200)).body.items).toEqual([
      { id: S.scheduleId, host: 'Coach Ada', timezone: NY, sessionTypeIds: [S.sessionTypeId] },
    ]);
  });
});

describe('booking, rescheduling and cancelling as the client', () => {
  let bookingId = '';

  it('lists slots, books one with the client as the actor, and the package says "session 2 of 3"', async () => {
    const monday = nextMonday();
    const slots = (
      await t.http.get(`/v1/me/schedules/${S.scheduleId}/slots`).query({ from: monday.toISODate(), to: monday.toISODate() }).set(bearer(S.adaToken)).expect(200)
    ).body;
    expect(slots.timezone).toBe(NY); // Ada has no zone of her own: the schedule's
    // 09:00 to 16:00; Bob has 09:00.
    expect(slots.slots.map((s: { start: string }) => s.start)).toEqual([10, 11, 12, 13, 14, 15, 16].map((h) => at(monday, h)));

    const res = await t.http.post('/v1/me/bookings').set(bearer(S.adaToken)).send({ scheduleId: S.scheduleId, sessionTypeId: S.sessionTypeId, start: at(monday, 10) }).expect(201);
    bookingId = res.body.id;
    expect(res.headers.location).toBe(`/v1/me/bookings/${bookingId}`);
    expect(res.body).toMatchObject({ id: bookingId, clientId: S.ada, packageId: S.adaPackage, status: 'booked', start: at(monday, 10) });
    expect(res.body.package).toMatchObject({ id: S.adaPackage, creditsUsed: 1, creditsRemaining: 2, nextSession: { number: 2, of: 3 }, progress: 'session 2 of 3' });

    const client = { id: `client:${S.ada}`, role: 'client' };
    expect((await eventsOf(`booking-${bookingId}`)).map((e) => [e.type, e.metadata.actor])).toEqual([['BookingPlaced', client]]);
    expect((await eventsOf(`package-${S.adaPackage}`)).at(-1)).toMatchObject({ type: 'SessionRedeemed', metadata: { actor: client } });

    const mine = await readAfter(S.adaToken, `/v1/me/bookings/${bookingId}`, res).expect(200);
    expect(mine.body).toMatchObject({ id: bookingId, clientId: S.ada, status: 'booked' });
    const list = await readAfter(S.adaToken, '/v1/me/bookings', res).expect(200);
    expect(list.body).toEqual({ items: [expect.objectContaining({ id: bookingId })], nextCursor: null });
    const pkg = await readAfter(S.adaToken, `/v1/me/packages/${S.adaPackage}`, res).expect(200);
    expect(pkg.body).toMatchObject({ creditsUsed: 1, progress: 'session 2 of 3' });
  });

  it('the ledger shows the client’s own movements without staff key ids or notes', async () => {
    const res = await t.http.get(`/v1/me/packages/${S.adaPackage}/ledger`).set(bearer(S.adaToken)).expect(200);
    expect(res.body).toEqual({
      packageId: S.adaPackage,
      balance: 2,
      nextCursor: null,
      entries: [
        expect.objectContaining({ type: 'PackagePurchased', delta: 3, balance: 3, by: 'business' }),
        expect.objectContaining({ type: 'SessionRedeemed', delta: -1, balance: 2, by: 'client', bookingId, sessionTypeId: S.sessionTypeId }),
      ],
    });
    for (const entry of res.body.entries) {
      for (const internal of ['actor', 'reason', 'note', 'clientId', 'serviceId', 'creditKind', 'paidDelta', 'goodwillDelta']) expect(entry).not.toHaveProperty(internal);
    }
    expect(JSON.stringify(res.body)).not.toMatch(/api-key:/);
  });

  it('reschedules and cancels in time (the credit returns), always as the client', async () => {
    const monday = nextMonday();
    const moved = await t.http.post(`/v1/me/bookings/${bookingId}/reschedules`).set(bearer(S.adaToken)).send({ start: at(monday, 14) }).expect(201);
    expect(moved.body).toMatchObject({ id: bookingId, start: at(monday, 14), status: 'booked', package: { progress: 'session 2 of 3' } });

    // byBusiness is not the client's to claim.
    expectProblem(await t.http.post(`/v1/me/bookings/${bookingId}/cancellations`).set(bearer(S.adaToken)).send({ byBusiness: true }), 400, 'validation_failed');
    const cancelled = await t.http.post(`/v1/me/bookings/${bookingId}/cancellations`).set(bearer(S.adaToken)).send({ reason: 'Cannot make it' }).expect(201);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', creditOutcome: 'returned', rule: 'cancelled_within_notice', package: { creditsUsed: 0, progress: 'session 1 of 3' } });

    const client = { id: `client:${S.ada}`, role: 'client' };
    expect((await eventsOf(`booking-${bookingId}`)).map((e) => [e.type, e.metadata.actor])).toEqual([
      ['BookingPlaced', client],
      ['BookingRescheduled', client],
      ['BookingCancelled', client],
    ]);
    const shown = await readAfter(S.adaToken, `/v1/me/bookings/${bookingId}`, cancelled).expect(200);
    // The reason is the client's own words, so it is shown back.
    expect(shown.body).toMatchObject({ status: 'cancelled', cancelledBy: 'client', late: false, reason: 'Cannot make it', previousStarts: [at(monday, 10)] });
  });

  it('books with a named package of their own; a used-up package says so', async () => {
    const single = await sell(studio, S.singleOfferingId, S.ada);
    const res = await t.http
      .post('/v1/me/bookings')
      .set(bearer(S.adaToken))
      .send({ scheduleId: S.scheduleId, sessionTypeId: S.sessionTypeId, start: at(nextMonday().plus({ days: 1 }), 9), packageId: single })
      .expect(201);
    expect(res.body.package).toMatchObject({ id: single, status: 'used_up', nextSession: null, progress: 'all 1 session used' });
  });

  it('refuses a body with clientId or unknown fields (400), another client’s package and another tenant’s schedule (422 unknown_<x>, issue 16: were 404), and what the rules forbid (409)', async () => {
    const before = await t.eventCount();
    const body = { scheduleId: S.scheduleId, sessionTypeId: S.sessionTypeId, start: at(nextMonday().plus({ days: 2 }), 9) };
    const place = (extra: Record<string, unknown>) => t.http.post('/v1/me/bookings').set(bearer(S.adaToken)).send({ ...body, ...extra });
    expectProblem(await place({ clientId: S.ada }), 400, 'validation_failed');
    expectProblem(await place({ clientId: S.bob }), 400, 'validation_failed');
    expectProblem(await place({ tenantId: elsewhere.tenantId }), 400, 'validation_failed');
    expectProblem(await place({ packageId: S.bobPackage }), 422, 'unknown_package');
    expectProblem(await place({ packageId: E.brunoPackage }), 422, 'unknown_package');
    expectProblem(await place({ scheduleId: E.scheduleId, sessionTypeId: E.sessionTypeId }), 422, 'unknown_schedule');
    // Bob's seat is taken; the VIP schedule is not one Ada's packages book.
    expectProblem(await place({ start: at(nextMonday(), 9) }), 409, 'slot_full');
    expectProblem(await place({ scheduleId: S.vipScheduleId }), 409, 'no_usable_package');
    expect(await t.eventCount()).toBe(before);
  });

  it('a token of another tenant’s client sees only that client’s records and 404s on this tenant’s ids', async () => {
    const before = await t.eventCount();
    const bruno = bearer(E.brunoToken);
    expect((await t.http.get('/v1/me/packages').set(bruno).expect(200)).body.items.map((p: { id: string }) => p.id)).toEqual([E.brunoPackage]);
    expect((await t.http.get('/v1/me/bookings').set(bruno).expect(200)).body.items).toEqual([]);
    expectProblem(await t.http.get(`/v1/me/packages/${S.adaPackage}`).set(bruno), 404, 'package_not_found');
    expectProblem(await t.http.get(`/v1/me/bookings/${S.bobBooking}`).set(bruno), 404, 'booking_not_found');
    expectProblem(await t.http.post(`/v1/me/bookings/${S.bobBooking}/cancellations`).set(bruno).send({}), 404, 'booking_not_found');
    expectProblem(await t.http.get(`/v1/me/schedules/${S.scheduleId}/slots`).query({ from: '2030-01-07', to: '2030-01-07' }).set(bruno), 404, 'schedule_not_found');
    expectProblem(
      await t.http.post('/v1/me/bookings').set(bruno).send({ scheduleId: S.scheduleId, sessionTypeId: S.sessionTypeId, start: at(nextMonday(), 15) }),
      422,
      'unknown_schedule',
    );
    expect((await t.http.get('/v1/me/offerings').set(bruno).expect(200)).body.items.map((o: { id: string }) => o.id)).not.toContain(S.offeringId);
    expect(await t.eventCount()).toBe(before);
  });

  it('paginates own bookings (limit at most 100)', async () => {
    expectProblem(await t.http.get('/v1/me/bookings').query({ limit: 101 }).set(bearer(S.adaToken)), 400, 'validation_failed');
    expectProblem(await t.http.get('/v1/me/bookings').query({ clientId: S.bob }).set(bearer(S.adaToken)), 400, 'validation_failed');
    const first = await t.http.get('/v1/me/bookings').query({ limit: 1 }).set(bearer(S.adaToken)).expect(200);
    expect(first.body.items).toHaveLength(1);
    const second = await t.http.get('/v1/me/bookings').query({ limit: 1, cursor: first.body.nextCursor }).set(bearer(S.adaToken)).expect(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect([...first.body.items, ...second.body.items].every((b: { clientId: string }) => b.clientId === S.ada)).toBe(true);
  });
});

describe('a booking the business cancelled, as the client sees it', () => {
  let staff = { id: '', key: '' };

  beforeAll(async () => {
    staff = (await t.http.post('/v1/api-keys').set(studio.auth).send({ role: 'staff', name: 'Front desk' }).expect(201)).body;
  });

  /** Ada books `start`; a staff key cancels it with a reason carrying `marker`. */
  async function bookThenStaffCancels(start: string, marker: string, byBusiness: boolean) {
    const booked = await t.http.post('/v1/me/bookings').set(bearer(S.adaToken)).send({ scheduleId: S.scheduleId, sessionTypeId: S.sessionTypeId, start }).expect(201);
    const id: string = booked.body.id;
    const cancelled = await t.http
      .post(`/v1/bookings/${id}/cancellations`)
      .set(bearer(staff.key))
      .send({ reason: `Coach is ill, told her on the phone ${marker}`, ...(byBusiness && { byBusiness }) })
      .expect(201);
    // The staff key is the recorded actor and the staff view holds the note: what the client must not see is there to leak.
    expect((await eventsOf(`booking-${id}`)).at(-1)).toMatchObject({ type: 'BookingCancelled', metadata: { actor: { id: `api-key:${staff.id}`, role: 'staff' } } });
    const staffView = await t.http.get(`/v1/bookings/${id}`).query({ after: cancelled.headers['punchcard-position'] }).set(studio.auth).expect(200);
    expect(staffView.body.reason).toContain(marker);
    const detail = await readAfter(S.adaToken, `/v1/me/bookings/${id}`, cancelled).expect(200);
    const list = await readAfter(S.adaToken, '/v1/me/bookings', cancelled).query({ limit: 100 }).expect(200);
    for (const body of [detail.body, list.body]) {
      const text = JSON.stringify(body);
      expect(text).not.toContain(marker);
      expect(text).not.toContain(staff.id);
      expect(text).not.toMatch(/api-key:/);
    }
    expect(list.body.items.find((b: { id: string }) => b.id === id)).toEqual(detail.body);
    return { id, detail: detail.body };
  }

  it('says the business cancelled it and the credit returned, without the staff reason or key id', async () => {
    const marker = `MARKER-${randomUUID()}`;
    const start = at(nextMonday().plus({ days: 4 }), 11);
    const { id, detail } = await bookThenStaffCancels(start, marker, true);
    expect(detail).toEqual({
      id,
      clientId: S.ada,
      packageId: S.adaPackage,
      offeringId: S.offeringId,
      scheduleId: S.scheduleId,
      sessionTypeId: S.sessionTypeId,
      start,
      end: new Date(Date.parse(start) + HOUR).toISOString(),
      date: nextMonday().plus({ days: 4 }).toISODate(),
      status: 'cancelled',
      creditOutcome: 'returned',
      rule: 'cancelled_by_business',
      cancelledBy: 'business',
      late: false,
      reason: null,
      previousStarts: [],
      bookedAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it('a staff cancellation under the client’s notice rules is still the business’s act, and its reason stays hidden', async () => {
    const marker = `MARKER-${randomUUID()}`;
    const { detail } = await bookThenStaffCancels(at(nextMonday().plus({ days: 4 }), 12), marker, false);
    expect(detail).toMatchObject({ status: 'cancelled', creditOutcome: 'returned', rule: 'cancelled_within_notice', cancelledBy: 'business', reason: null });
  });
});

// Moves the business clock: keep last.
describe('the notice rules apply to the client (business clock moved)', () => {
  it('a late cancellation forfeits the credit under the offering’s policy; expired packages say so', async () => {
    const start = at(nextMonday().plus({ days: 3 }), 9);
    const booked = await t.http.post('/v1/me/bookings').set(bearer(S.adaToken)).send({ scheduleId: S.scheduleId, sessionTypeId: S.sessionTypeId, start }).expect(201);
    t.clock.advance(Date.parse(start) - 2 * HOUR - t.clock.now().getTime());
    expectProblem(await t.http.post(`/v1/me/bookings/${booked.body.id}/reschedules`).set(bearer(S.adaToken)).send({ start: at(nextMonday(), 16) }), 409, 'reschedule_too_late');
    const cancelled = await t.http.post(`/v1/me/bookings/${booked.body.id}/cancellations`).set(bearer(S.adaToken)).send({}).expect(201);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', creditOutcome: 'forfeited', rule: 'late_cancellation_forfeits', package: { creditsUsed: 1, progress: 'session 2 of 3' } });

    // 100 days on, the 90-day package has expired (real time still governs the token: it keeps working).
    t.clock.advance(100 * 24 * HOUR);
    const packages = (await readAfter(S.adaToken, '/v1/me/packages', cancelled).expect(200)).body.items;
    expect(packages.find((p: { id: string }) => p.id === S.adaPackage)).toMatchObject({ status: 'expired', nextSession: null, progress: 'expired after 1 of 3 sessions' });
  });
});
