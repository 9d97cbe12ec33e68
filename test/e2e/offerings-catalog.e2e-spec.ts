import { randomUUID } from 'node:crypto';
import { withTenant } from '@punchcard/postgres';
import { v7 as uuidv7 } from 'uuid';
import { ClientDirectory } from '../../apps/api/src/clients/client-directory';
import { systemContext } from '../../apps/api/src/write-side/command-context';
import { StreamExecutor } from '../../apps/api/src/write-side/stream-executor';
import { decideOffering, offeringDecider, offeringStreamId } from '@punchcard/domain';
import { formatPosition } from '@punchcard/event-store';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * Offerings with their booking terms (schedule, session types, weekly cap, visibility, reminders,
 * feedback request, cancellation policy), deleted offerings, and client groups, over HTTP on PostgreSQL.
 */
describe('Offerings catalog and client groups over HTTP', () => {
  let t: TestApp;
  let studio: TenantSession;
  let other: TenantSession;
  let scheduleId: string;
  let sessionTypeIds: string[];
  let otherScheduleId: string;
  let otherSessionTypeId: string;

  /** The schedules/session-types APIs are written elsewhere: streams are appended straight to the event store. */
  async function appendStream(session: TenantSession, streamId: string, type: string, schemaVersion: number, data: Record<string, unknown>) {
    const result = await t.infrastructure.system.eventStore.append([
      {
        streamId,
        expectedVersion: 0,
        events: [
          {
            eventId: uuidv7(),
            type,
            schemaVersion,
            data,
            metadata: {
              tenantId: session.tenantId,
              actor: { id: 'test', role: 'admin' },
              correlationId: randomUUID(),
              causationId: null,
              idempotencyKey: null,
              occurredAt: new Date().toISOString(),
            },
          },
        ],
      },
    ]);
    t.infrastructure.runner.nudge();
    return formatPosition(result.lastPosition);
  }
  const closedWeek = { monday: [], tuesday: [], wednesday: [], thursday: [], friday: [], saturday: [], sunday: [] };
  async function newSchedule(session: TenantSession) {
    const id = uuidv7();
    await appendStream(session, `schedule-${id}`, 'ScheduleCreated', 1, {
      scheduleId: id,
      host: 'Coach Ada',
      timezone: 'Europe/Berlin',
      weeklyHours: closedWeek,
      overrides: [],
      sessionTypeIds: [],
      active: true,
    });
    return id;
  }
  async function newSessionType(session: TenantSession) {
    const id = uuidv7();
    await appendStream(session, `session-type-${id}`, 'SessionTypeCreated', 1, {
      sessionTypeId: id,
      name: 'Personal training',
      description: null,
      coverImageUrl: null,
      durationMinutes: 60,
      capacity: 1,
      price: { amount: 9000, currency: 'USD' },
      nonMemberPrice: null,
      location: null,
      bufferMinutes: 0,
      minLeadHours: 0,
      maxLeadDays: null,
      maxSessionsPerDay: null,
      status: 'active',
    });
    return id;
  }
  /** Deletes through the write side and the domain (the DELETE endpoint is built elsewhere). */
  async function deleteOffering(session: TenantSession, offeringId: string) {
    const result = await withTenant(session.tenantId, () =>
      t.app
        .get(StreamExecutor)
        .execute(offeringStreamId(offeringId), offeringDecider, systemContext(session.tenantId, 'test'), (state) =>
          decideOffering({ type: 'DeleteOffering', reason: 'Replaced' }, state),
        ),
    );
    return formatPosition(result.position!);
  }

  beforeAll(async () => {
    t = await createTestApp();
    studio = await t.newTenant({ timezone: 'America/New_York', currency: 'USD' });
    other = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
    scheduleId = await newSchedule(studio);
    sessionTypeIds = [await newSessionType(studio), await newSessionType(studio)];
    otherScheduleId = await newSchedule(other);
    otherSessionTypeId = await newSessionType(other);
  });
  afterAll(() => t.close());

  const base = { name: '8 sessions, 60 days', sessionCount: 8, price: { amount: 64000, currency: 'USD' }, validityDays: 60 };
  const defaults = {
    scheduleId: null,
    sessionTypeIds: [],
    maxSessionsPerWeek: null,
    visibility: { kind: 'all' },
    reminders: [],
    feedbackRequest: false,
    cancellationPolicy: { noticeHours: 24, lateCancellation: 'forfeit', noShow: 'forfeit' },
  };
  const terms = () => ({
    scheduleId,
    sessionTypeIds,
    maxSessionsPerWeek: 2,
    visibility: { kind: 'groups', groups: ['VIP', 'Morning crew'] },
    reminders: [
      { amount: 1, unit: 'days' },
      { amount: 2, unit: 'hours' },
    ],
    feedbackRequest: true,
    cancellationPolicy: { noticeHours: 12, lateCancellation: 'return', noShow: 'forfeit' },
  });

  describe('offerings', () => {
    it('creates an offering with every booking term, answers with it, and serves it from the read model', async () => {
      const res = await t.http.post('/v1/offerings').set(studio.auth).send({ ...base, ...terms() }).expect(201);
      const id = res.body.id;
      expect(res.body).toEqual({
        id,
        name: base.name,
        description: null,
        sessionCount: 8,
        price: base.price,
        validity: { kind: 'days', days: 60 },
        ...terms(),
        status: 'active',
        deleted: false,
      });
      const got = await t.http.get(`/v1/offerings/${id}?after=${res.headers['punchcard-position']}`).set(studio.auth).expect(200);
      expect(got.body).toMatchObject({ ...res.body, packagesSold: 0, createdAt: expect.any(String) });

      const [created] = await t.infrastructure.system.eventStore.readStream(`offering-${id}`);
      expect(created).toMatchObject({ type: 'OfferingCreated', schemaVersion: 2, data: { offeringId: id, ...terms() } });
    });

    it('gives an offering without booking terms the documented defaults', async () => {
      const res = await t.http.post('/v1/offerings').set(studio.auth).send(base).expect(201);
      expect(res.body).toMatchObject({ ...defaults, deleted: false });
      const got = await t.http.get(`/v1/offerings/${res.body.id}?after=${res.headers['punchcard-position']}`).set(studio.auth).expect(200);
      expect(got.body).toMatchObject({ ...defaults, deleted: false });
    });

    it('trims group names and stores ids in lower case', async () => {
      const res = await t.http
        .post('/v1/offerings')
        .set(studio.auth)
        .send({ ...base, sessionTypeIds: [sessionTypeIds[0].toUpperCase()], scheduleId: scheduleId.toUpperCase(), visibility: { kind: 'groups', groups: ['  VIP '] } })
        .expect(201);
      expect(res.body).toMatchObject({ scheduleId, sessionTypeIds: [sessionTypeIds[0]], visibility: { kind: 'groups', groups: ['VIP'] } });
    });

    it('changes booking terms with PATCH, clears the nullable ones with null, and records only what changed', async () => {
      const id = await studio.createOffering(base);
      const patched = await t.http.patch(`/v1/offerings/${id}`).set(studio.auth).send(terms()).expect(200);
      expect(patched.body).toMatchObject(terms());

      const cleared = await t.http
        .patch(`/v1/offerings/${id}`)
        .set(studio.auth)
        .send({ scheduleId: null, maxSessionsPerWeek: null, visibility: { kind: 'all' }, sessionTypeIds: [sessionTypeIds[1]], sessionCount: 4 })
        .expect(200);
      expect(cleared.body).toMatchObject({
        scheduleId: null,
        maxSessionsPerWeek: null,
        visibility: { kind: 'all' },
        sessionTypeIds: [sessionTypeIds[1]],
        sessionCount: 4, // fewer sessions: packages already sold keep their credits
        reminders: terms().reminders,
        feedbackRequest: true,
      });
      const got = await t.http.get(`/v1/offerings/${id}?after=${cleared.headers['punchcard-position']}`).set(studio.auth).expect(200);
      expect(got.body).toMatchObject(cleared.body);

      // The same policy with its keys in another order is no change.
      const eventsBefore = (await t.infrastructure.system.eventStore.readStream(`offering-${id}`)).length;
      await t.http
        .patch(`/v1/offerings/${id}`)
        .set(studio.auth)
        .send({ cancellationPolicy: { noShow: 'forfeit', lateCancellation: 'return', noticeHours: 12 } })
        .expect(200);
      expect(await t.infrastructure.system.eventStore.readStream(`offering-${id}`)).toHaveLength(eventsBefore);
    });

    it('refuses a schedule or session type the tenant does not have with 422, naming the id, and writes nothing', async () => {
      const missing = randomUUID();
      const before = await t.eventCount();
      const refused = [
        [{ ...base, scheduleId: missing }, 'unknown_schedule', missing],
        [{ ...base, scheduleId: otherScheduleId }, 'unknown_schedule', otherScheduleId],
        [{ ...base, sessionTypeIds: [sessionTypeIds[0], missing] }, 'unknown_session_type', missing],
        [{ ...base, sessionTypeIds: [otherSessionTypeId] }, 'unknown_session_type', otherSessionTypeId],
        // A schedule id is not a session type id, nor the other way round.
        [{ ...base, sessionTypeIds: [scheduleId] }, 'unknown_session_type', scheduleId],
        [{ ...base, scheduleId: sessionTypeIds[0] }, 'unknown_schedule', sessionTypeIds[0]],
      ] as const;
      for (const [body, code, id] of refused) {
        const res = await t.http.post('/v1/offerings').set(studio.auth).send(body).expect(422);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 422, code });
        expect(res.body.detail).toContain(id);
      }

      const id = await studio.createOffering(base);
      const afterCreate = await t.eventCount();
      const patch = (body: object) => t.http.patch(`/v1/offerings/${id}`).set(studio.auth).send(body);
      expect((await patch({ scheduleId: missing }).expect(422)).body.code).toBe('unknown_schedule');
      expect((await patch({ sessionTypeIds: [missing], name: 'Renamed' }).expect(422)).body.code).toBe('unknown_session_type');
      expect((await patch({ scheduleId: otherScheduleId, status: 'paused' }).expect(422)).body.code).toBe('unknown_schedule');
      expect(await t.eventCount()).toBe(afterCreate);
      expect(afterCreate).toBe(before + 1);
    });

    it("answers for the offering itself before checking what it references", async () => {
      const missing = randomUUID();
      const unknown = await t.http.patch(`/v1/offerings/${randomUUID()}`).set(studio.auth).send({ scheduleId: missing }).expect(404);
      expect(unknown.body.code).toBe('offering_not_found');
      const archived = await studio.createOffering(base);
      await t.http.patch(`/v1/offerings/${archived}`).set(studio.auth).send({ status: 'archived' }).expect(200);
      const res = await t.http.patch(`/v1/offerings/${archived}`).set(studio.auth).send({ scheduleId: missing }).expect(409);
      expect(res.body.code).toBe('offering_archived');
    });

    it('keeps a deleted offering readable but off the list, refuses changes and sales with 409 offering_deleted', async () => {
      const kept = await studio.createOffering({ ...base, name: 'Kept' });
      const gone = await studio.createOffering({ ...base, name: 'Gone', ...terms() });
      const clientId = await studio.createClient();
      // A member of the offering's groups: sales check visibility (issue 16).
      await t.http.patch(`/v1/clients/${clientId}`).set(studio.auth).send({ groups: ['VIP'] }).expect(200);
      await studio.sellPackage(gone, clientId);
      const position = await deleteOffering(studio, gone);

      const got = await t.http.get(`/v1/offerings/${gone}?after=${position}`).set(studio.auth).expect(200);
      expect(got.body).toMatchObject({ id: gone, name: 'Gone', deleted: true, status: 'active', packagesSold: 1, ...terms() });

      const ids = async (query: string) => (await t.http.get(`/v1/offerings?${query}`).set(studio.auth).expect(200)).body.items.map((o: any) => o.id);
      expect(await ids('limit=100')).toContain(kept);
      expect(await ids('limit=100')).not.toContain(gone);
      expect(await ids('limit=100&includeDeleted=false')).not.toContain(gone);
      expect(await ids('limit=100&includeDeleted=true')).toEqual(expect.arrayContaining([kept, gone]));
      expect(await ids('status=active&includeDeleted=true&limit=100')).toContain(gone);

      const patch = await t.http.patch(`/v1/offerings/${gone}`).set(studio.auth).send({ name: 'Back' }).expect(409);
      expect(patch.body.code).toBe('offering_deleted');
      const status = await t.http.patch(`/v1/offerings/${gone}`).set(studio.auth).send({ status: 'paused' }).expect(409);
      expect(status.body.code).toBe('offering_deleted');
      const sale = await t.http.post('/v1/packages').set(studio.auth).send({ offeringId: gone, clientId, payment: { method: 'cash' } }).expect(409);
      expect(sale.body.code).toBe('offering_deleted');

      // Deleting again records nothing.
      const events = (await t.infrastructure.system.eventStore.readStream(`offering-${gone}`)).length;
      await deleteOffering(studio, gone);
      expect(await t.infrastructure.system.eventStore.readStream(`offering-${gone}`)).toHaveLength(events);
    });

    it('reads an offering stored before the booking terms existed (OfferingCreated v1) with the defaults', async () => {
      const id = uuidv7();
      const position = await appendStream(studio, `offering-${id}`, 'OfferingCreated', 1, {
        offeringId: id,
        name: 'Legacy 5-pack',
        description: null,
        sessionCount: 5,
        price: { amount: 25000, currency: 'USD' },
        validity: { kind: 'none' },
        status: 'active',
      });
      const got = await t.http.get(`/v1/offerings/${id}?after=${position}`).set(studio.auth).expect(200);
      expect(got.body).toMatchObject({ name: 'Legacy 5-pack', ...defaults, deleted: false });
      const patched = await t.http.patch(`/v1/offerings/${id}`).set(studio.auth).send({ maxSessionsPerWeek: 1 }).expect(200);
      expect(patched.body).toMatchObject({ ...defaults, maxSessionsPerWeek: 1, deleted: false });
      await studio.sellPackage(id, await studio.createClient());
    });
  });

  describe('client groups', () => {
    let emails = 0;
    const email = () => `member${++emails}-${Date.now()}@example.com`;

    it('creates a client with groups (trimmed) or none, and GET shows them', async () => {
      const res = await t.http.post('/v1/clients').set(studio.auth).send({ name: 'Grace', email: email(), groups: [' VIP', 'Morning crew'] }).expect(201);
      expect(res.body).toMatchObject({ name: 'Grace', groups: ['VIP', 'Morning crew'], timezone: null });
      const got = await t.http.get(`/v1/clients/${res.body.id}`).set(studio.auth).expect(200);
      expect(got.body.groups).toEqual(['VIP', 'Morning crew']);

      const plain = await t.http.post('/v1/clients').set(studio.auth).send({ name: 'Alan', email: email() }).expect(201);
      expect(plain.body.groups).toEqual([]);
      const listed = await t.http.get('/v1/clients?q=Grace').set(studio.auth).expect(200);
      expect(listed.body.items.find((c: any) => c.id === res.body.id).groups).toEqual(['VIP', 'Morning crew']);
    });

    it('PATCH changes any of name, email, timezone and groups, clears the timezone with null, and answers with the client', async () => {
      const id = (await t.http.post('/v1/clients').set(studio.auth).send({ name: 'Ada', email: email(), timezone: 'Europe/London' }).expect(201)).body.id;
      const newEmail = email();
      const res = await t.http.patch(`/v1/clients/${id}`).set(studio.auth).send({ name: 'Ada King', email: newEmail, groups: ['VIP'] }).expect(200);
      expect(res.body).toEqual({ id, name: 'Ada King', email: newEmail, timezone: 'Europe/London', groups: ['VIP'], createdAt: expect.any(String) });

      const cleared = await t.http.patch(`/v1/clients/${id}`).set(studio.auth).send({ timezone: null, groups: [] }).expect(200);
      expect(cleared.body).toMatchObject({ name: 'Ada King', timezone: null, groups: [] });
      const zoned = await t.http.patch(`/v1/clients/${id}`).set(studio.auth).send({ timezone: 'Asia/Tokyo' }).expect(200);
      expect(zoned.body).toMatchObject({ timezone: 'Asia/Tokyo', groups: [] });
      // The same email in another case is still this client's own.
      await t.http.patch(`/v1/clients/${id}`).set(studio.auth).send({ email: newEmail.toUpperCase() }).expect(200);

      // What booking rules read.
      expect(await withTenant(studio.tenantId, () => t.app.get(ClientDirectory).get(studio.tenantId, id))).toMatchObject({ groups: [], timezone: 'Asia/Tokyo' });
      expect(await withTenant(other.tenantId, () => t.app.get(ClientDirectory).get(other.tenantId, id))).toBeNull();
    });

    it('PATCH answers 404 client_not_found for unknown or foreign clients and 409 client_email_taken for a taken email', async () => {
      const taken = email();
      await t.http.post('/v1/clients').set(studio.auth).send({ name: 'First', email: taken }).expect(201);
      const id = await studio.createClient();
      const conflict = await t.http.patch(`/v1/clients/${id}`).set(studio.auth).send({ email: taken.toUpperCase(), name: 'Changed' }).expect(409);
      expect(conflict.body.code).toBe('client_email_taken');
      expect((await t.http.get(`/v1/clients/${id}`).set(studio.auth).expect(200)).body.name).not.toBe('Changed');

      const foreign = await other.createClient();
      for (const target of [randomUUID(), foreign, 'not-a-uuid']) {
        const res = await t.http.patch(`/v1/clients/${target}`).set(studio.auth).send({ name: 'Mallory' }).expect(404);
        expect(res.body.code).toBe('client_not_found');
      }
      expect((await t.http.get(`/v1/clients/${foreign}`).set(other.auth).expect(200)).body.name).not.toBe('Mallory');
    });
  });
});
