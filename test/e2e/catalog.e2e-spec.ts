import { randomUUID } from 'node:crypto';
import { ALL_PROJECTIONS, SCHEDULES, SESSION_TYPES } from '@punchcard/projections';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/** Session types and schedules: the admin configuration bookings are made against, over HTTP on PostgreSQL. */
describe('Catalog: session types and schedules over HTTP', () => {
  let t: TestApp;
  let studio: TenantSession;
  let other: TenantSession;
  beforeAll(async () => {
    t = await createTestApp();
    studio = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
    other = await t.newTenant({ timezone: 'America/New_York', currency: 'USD' });
  });
  afterAll(() => t.close());

  const personalTraining = { name: 'Personal training', durationMinutes: 60, price: { amount: 9000, currency: 'EUR' } };
  const createSessionType = async (session: TenantSession, body: Record<string, unknown> = {}) =>
    (await t.http.post('/v1/session-types').set(session.auth).send({ ...personalTraining, ...body }).expect(201)).body;
  const createSchedule = async (session: TenantSession, body: Record<string, unknown> = {}) =>
    (await t.http.post('/v1/schedules').set(session.auth).send({ host: 'Coach Ada', timezone: 'Europe/Berlin', ...body }).expect(201)).body;
  const streamOf = (streamId: string) => t.infrastructure.system.eventStore.readStream(streamId);
  const closedWeek = { monday: [], tuesday: [], wednesday: [], thursday: [], friday: [], saturday: [], sunday: [] };

  describe('session types', () => {
    it('creates one with the documented defaults, answers with its state, and serves it from the read model', async () => {
      const res = await t.http.post('/v1/session-types').set(studio.auth).send(personalTraining).expect(201);
      const id = res.body.id;
      expect(res.headers.location).toBe(`/v1/session-types/${id}`);
      expect(res.headers['punchcard-position']).toMatch(/^\d+-\d+$/);
      expect(res.body).toEqual({
        id,
        ...personalTraining,
        description: null,
        coverImageUrl: null,
        capacity: 1,
        nonMemberPrice: null,
        location: null,
        bufferMinutes: 0,
        minLeadHours: 0,
        maxLeadDays: null,
        maxSessionsPerDay: null,
        status: 'active',
      });

      const got = await t.http.get(`/v1/session-types/${id}?after=${res.headers['punchcard-position']}`).set(studio.auth).expect(200);
      expect(got.body).toEqual({ ...res.body, createdAt: expect.any(String), updatedAt: got.body.createdAt });
      expect(got.body.tenantId).toBeUndefined();

      const [created] = await streamOf(`session-type-${id}`);
      expect(created).toMatchObject({ type: 'SessionTypeCreated', schemaVersion: 1, data: { sessionTypeId: id, ...personalTraining, status: 'active' } });
      expect(created.metadata).toMatchObject({ tenantId: studio.tenantId, actor: { id: expect.stringMatching(/^api-key:/), role: 'admin' } });
    });

    it('creates a draft group session with every field', async () => {
      const body = {
        name: 'Small group HIIT',
        description: 'Up to 8 people',
        coverImageUrl: 'https://cdn.example.com/hiit.jpg',
        durationMinutes: 45,
        capacity: 8,
        price: { amount: 2000, currency: 'EUR' },
        nonMemberPrice: { amount: 2500, currency: 'EUR' },
        location: 'Studio B',
        bufferMinutes: 15,
        minLeadHours: 2,
        maxLeadDays: 30,
        maxSessionsPerDay: 4,
        status: 'draft',
      };
      const created = await createSessionType(studio, body);
      expect(created).toEqual({ id: expect.any(String), ...body });
    });

    it('patches fields and status together, records only what changed, and clears optional fields with null', async () => {
      const created = await createSessionType(studio, { location: 'Studio A', nonMemberPrice: { amount: 12000, currency: 'EUR' } });
      const patched = await t.http
        .patch(`/v1/session-types/${created.id}`)
        .set(studio.auth)
        .send({ name: created.name, capacity: 2, location: null, nonMemberPrice: null, status: 'paused' })
        .expect(200);
      expect(patched.body).toEqual({ ...created, capacity: 2, location: null, nonMemberPrice: null, status: 'paused' });
      const events = await streamOf(`session-type-${created.id}`);
      expect(events.slice(1).map((e) => [e.type, e.data])).toEqual([
        ['SessionTypeUpdated', { sessionTypeId: created.id, changes: { capacity: 2, location: null, nonMemberPrice: null } }],
        ['SessionTypeStatusChanged', { sessionTypeId: created.id, from: 'active', to: 'paused' }],
      ]);

      // Sending the current values again changes nothing and appends nothing.
      const before = await t.eventCount();
      const same = await t.http.patch(`/v1/session-types/${created.id}`).set(studio.auth).send({ capacity: 2, price: { currency: 'EUR', amount: 9000 } }).expect(200);
      expect(same.body).toEqual(patched.body);
      expect(await t.eventCount()).toBe(before);

      const got = await t.http.get(`/v1/session-types/${created.id}?after=${patched.headers['punchcard-position']}`).set(studio.auth).expect(200);
      expect(got.body).toMatchObject({ capacity: 2, location: null, nonMemberPrice: null, status: 'paused' });
    });

    it('refuses what the domain refuses, with its code', async () => {
      const { id } = await createSessionType(studio);
      const patch = (body: Record<string, unknown>) => t.http.patch(`/v1/session-types/${id}`).set(studio.auth).send(body);
      expect((await patch({ nonMemberPrice: { amount: 100, currency: 'USD' } }).expect(422)).body.code).toBe('invalid_session_type');
      expect((await patch({ price: { amount: 100, currency: 'USD' } }).expect(200)).body.price).toEqual({ amount: 100, currency: 'USD' });
      expect((await patch({ status: 'draft' }).expect(409)).body.code).toBe('invalid_status_transition');
      await patch({ status: 'archived' }).expect(200);
      const archived = await patch({ name: 'Back again' }).expect(409);
      expect(archived.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(archived.body.code).toBe('session_type_archived');
      expect((await patch({ status: 'active' }).expect(409)).body.code).toBe('session_type_archived');
    });

    it("keeps tenants apart: another tenant's session type is simply not found", async () => {
      const { id } = await createSessionType(other, { price: { amount: 5000, currency: 'USD' } });
      for (const res of [
        await t.http.get(`/v1/session-types/${id}`).set(studio.auth),
        await t.http.patch(`/v1/session-types/${id}`).set(studio.auth).send({ name: 'Taken over' }),
        await t.http.get(`/v1/session-types/${randomUUID()}`).set(studio.auth),
      ]) {
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('session_type_not_found');
      }
      expect((await streamOf(`session-type-${id}`)).map((e) => e.type)).toEqual(['SessionTypeCreated']);
    });

    it('answers a retried POST with the same Idempotency-Key with the same session type', async () => {
      const post = () => t.http.post('/v1/session-types').set(studio.auth).set('Idempotency-Key', 'st-create-1').send({ ...personalTraining, name: 'Once' });
      const first = await post().expect(201);
      const before = await t.eventCount();
      const retry = await post().expect(201);
      expect(retry.body.id).toBe(first.body.id);
      expect(await t.eventCount()).toBe(before);
    });

    it('lists newest first, filtered by status, in cursor pages', async () => {
      const tenant = await t.newTenant({ currency: 'EUR' });
      const ids: string[] = [];
      for (const status of ['active', 'draft', 'active', 'active']) ids.push((await createSessionType(tenant, { status })).id);
      const paused = await t.http.patch(`/v1/session-types/${ids[3]}`).set(tenant.auth).send({ status: 'paused' }).expect(200);
      const after = paused.headers['punchcard-position'];
      const list = async (query: Record<string, string | number>) => (await t.http.get('/v1/session-types').query({ after, ...query }).set(tenant.auth).expect(200)).body;

      expect((await list({})).items.map((s: any) => s.id)).toEqual([...ids].reverse());
      expect((await list({ status: 'active' })).items.map((s: any) => s.id)).toEqual([ids[2], ids[0]]);
      expect((await list({ status: 'paused' })).items.map((s: any) => [s.id, s.status])).toEqual([[ids[3], 'paused']]);
      expect((await list({ status: 'archived' })).items).toEqual([]);
      const page1 = await list({ limit: 3 });
      expect(page1.items).toHaveLength(3);
      const page2 = await list({ limit: 3, cursor: page1.nextCursor });
      expect(page2).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });
      expect(page1.items.every((s: any) => s.tenantId === undefined)).toBe(true);
    });
  });

  describe('schedules', () => {
    it('creates one with the documented defaults: every day closed, no overrides, no session types, active', async () => {
      const res = await t.http.post('/v1/schedules').set(studio.auth).send({ host: 'Coach Ada', timezone: 'Europe/Berlin' }).expect(201);
      const id = res.body.id;
      expect(res.headers.location).toBe(`/v1/schedules/${id}`);
      expect(res.body).toEqual({ id, host: 'Coach Ada', timezone: 'Europe/Berlin', weeklyHours: closedWeek, overrides: [], sessionTypeIds: [], active: true });
      const got = await t.http.get(`/v1/schedules/${id}?after=${res.headers['punchcard-position']}`).set(studio.auth).expect(200);
      expect(got.body).toEqual({ ...res.body, createdAt: expect.any(String), updatedAt: expect.any(String) });
    });

    it('creates a full schedule bookable for existing session types of the tenant', async () => {
      const pt = await createSessionType(studio);
      const group = await createSessionType(studio, { name: 'Group', capacity: 6, status: 'draft' });
      const body = {
        host: 'Coach Grace',
        timezone: 'America/Argentina/Buenos_Aires',
        weeklyHours: { monday: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }], saturday: [{ start: '20:00', end: '24:00' }] },
        overrides: [
          { date: '2026-12-24', hours: [] },
          { date: '2026-12-27', hours: [{ start: '10:00', end: '14:00' }] },
        ],
        sessionTypeIds: [pt.id, group.id],
        active: false,
      };
      const created = await createSchedule(studio, body);
      expect(created).toEqual({ id: expect.any(String), ...body, weeklyHours: { ...closedWeek, ...body.weeklyHours } });
      const [event] = await streamOf(`schedule-${created.id}`);
      expect(event).toMatchObject({ type: 'ScheduleCreated', data: { scheduleId: created.id, weeklyHours: created.weeklyHours, overrides: body.overrides } });
    });

    it('refuses unknown and foreign session types with 422 unknown_session_type, writing nothing', async () => {
      const mine = await createSessionType(studio);
      const theirs = await createSessionType(other, { price: { amount: 100, currency: 'USD' } });
      const missing = randomUUID();
      const before = await t.eventCount();
      for (const ids of [[missing], [mine.id, theirs.id]]) {
        const res = await t.http.post('/v1/schedules').set(studio.auth).send({ host: 'Coach Ada', timezone: 'Europe/Berlin', sessionTypeIds: ids }).expect(422);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.code).toBe('unknown_session_type');
        expect(res.body.detail).toContain(ids.at(-1));
        expect(res.body.detail).not.toContain(mine.id);
      }
      const { id } = await createSchedule(studio);
      const afterCreate = await t.eventCount();
      expect(afterCreate).toBe(before + 1);
      const patched = await t.http.patch(`/v1/schedules/${id}`).set(studio.auth).send({ sessionTypeIds: [mine.id, missing] }).expect(422);
      expect(patched.body.code).toBe('unknown_session_type');
      expect(await t.eventCount()).toBe(afterCreate);
      // A session type of this tenant created a moment ago counts at once (checked on the streams).
      const fresh = await createSessionType(studio);
      await t.http.patch(`/v1/schedules/${id}`).set(studio.auth).send({ sessionTypeIds: [fresh.id, mine.id] }).expect(200);
    });

    it('patches weekly hours day by day, replaces overrides and session types whole, and records only what changed', async () => {
      const st = await createSessionType(studio);
      const created = await createSchedule(studio, {
        weeklyHours: { monday: [{ start: '09:00', end: '17:00' }], tuesday: [{ start: '09:00', end: '17:00' }] },
        overrides: [{ date: '2026-12-24', hours: [] }],
      });
      const patched = await t.http
        .patch(`/v1/schedules/${created.id}`)
        .set(studio.auth)
        .send({ weeklyHours: { tuesday: [], friday: [{ start: '08:00', end: '10:00' }] }, overrides: [], sessionTypeIds: [st.id], host: 'Coach Ada' })
        .expect(200);
      const weeklyHours = { ...closedWeek, monday: [{ start: '09:00', end: '17:00' }], friday: [{ start: '08:00', end: '10:00' }] };
      expect(patched.body).toEqual({ ...created, weeklyHours, overrides: [], sessionTypeIds: [st.id] });
      const events = await streamOf(`schedule-${created.id}`);
      expect(events.slice(1).map((e) => [e.type, e.data])).toEqual([
        ['ScheduleUpdated', { scheduleId: created.id, changes: { weeklyHours, overrides: [], sessionTypeIds: [st.id] } }],
      ]);

      const before = await t.eventCount();
      await t.http.patch(`/v1/schedules/${created.id}`).set(studio.auth).send({ weeklyHours: { monday: [{ start: '09:00', end: '17:00' }] } }).expect(200);
      expect(await t.eventCount()).toBe(before);

      const got = await t.http.get(`/v1/schedules/${created.id}?after=${patched.headers['punchcard-position']}`).set(studio.auth).expect(200);
      expect(got.body).toMatchObject({ weeklyHours, overrides: [], sessionTypeIds: [st.id] });
    });

    it('refuses hours the domain refuses with 422 invalid_schedule, writing nothing', async () => {
      const { id } = await createSchedule(studio);
      const before = await t.eventCount();
      for (const body of [
        { weeklyHours: { monday: [{ start: '09:00', end: '08:00' }] } },
        { weeklyHours: { monday: [{ start: '09:00', end: '12:00' }, { start: '11:30', end: '13:00' }] } },
        { overrides: [{ date: '2026-12-24', hours: [] }, { date: '2026-12-24', hours: [] }] },
      ]) {
        const res = await t.http.patch(`/v1/schedules/${id}`).set(studio.auth).send(body).expect(422);
        expect(res.body.code).toBe('invalid_schedule');
        expect(res.body.detail).toEqual(expect.any(String));
      }
      expect(await t.eventCount()).toBe(before);
    });

    it("keeps tenants apart: another tenant's schedule is simply not found", async () => {
      const theirs = await createSchedule(other, { timezone: 'America/New_York' });
      const st = await createSessionType(studio);
      for (const res of [
        await t.http.get(`/v1/schedules/${theirs.id}`).set(studio.auth),
        await t.http.patch(`/v1/schedules/${theirs.id}`).set(studio.auth).send({ active: false }),
        await t.http.patch(`/v1/schedules/${theirs.id}`).set(studio.auth).send({ sessionTypeIds: [st.id] }),
        await t.http.patch(`/v1/schedules/${randomUUID()}`).set(studio.auth).send({ sessionTypeIds: [randomUUID()] }),
        await t.http.get('/v1/schedules/not-a-uuid').set(studio.auth),
      ]) {
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('schedule_not_found');
      }
      expect((await streamOf(`schedule-${theirs.id}`)).map((e) => e.type)).toEqual(['ScheduleCreated']);
    });

    it('lists newest first, filtered by active, in cursor pages', async () => {
      const tenant = await t.newTenant();
      const ids: string[] = [];
      for (const active of [true, false, true]) ids.push((await createSchedule(tenant, { active })).id);
      const paused = await t.http.patch(`/v1/schedules/${ids[2]}`).set(tenant.auth).send({ active: false }).expect(200);
      const after = paused.headers['punchcard-position'];
      const list = async (query: Record<string, string | number>) => (await t.http.get('/v1/schedules').query({ after, ...query }).set(tenant.auth).expect(200)).body;

      expect((await list({})).items.map((s: any) => s.id)).toEqual([ids[2], ids[1], ids[0]]);
      expect((await list({ active: 'true' })).items.map((s: any) => s.id)).toEqual([ids[0]]);
      expect((await list({ active: 'false' })).items.map((s: any) => s.id)).toEqual([ids[2], ids[1]]);
      const page1 = await list({ limit: 2 });
      expect(page1).toMatchObject({ items: [{ id: ids[2] }, { id: ids[1] }], nextCursor: ids[1] });
      expect(await list({ limit: 2, cursor: page1.nextCursor })).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });
    });
  });

  it('rebuilds the session type and schedule read models into exactly the documents the live run wrote', async () => {
    await t.infrastructure.runner.stop();
    await t.infrastructure.runner.catchUpAll();
    const snapshot = async () =>
      (
        await t.db.pool.query(`SELECT collection, tenant_id, id, data FROM read_documents WHERE collection = ANY($1) ORDER BY collection, tenant_id, id`, [
          [SESSION_TYPES, SCHEDULES],
        ])
      ).rows;
    const live = await snapshot();
    expect(live.length).toBeGreaterThan(20);
    for (const projection of ALL_PROJECTIONS.filter((p) => ['session-types-v1', 'schedules-v1'].includes(p.name))) await t.infrastructure.runner.rebuild(projection);
    expect(await snapshot()).toEqual(live);
    t.infrastructure.runner.start();
  });
});
