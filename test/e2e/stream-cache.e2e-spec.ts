import { randomUUID } from 'node:crypto';
import { StoredEvent } from '@punchcard/event-store';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * The write side's stream cache (issue 15): a stale entry costs a retry, never a wrong decision. The
 * "other process" is a writer that appends straight to the store, which this process's cache never sees.
 */
describe('Stream cache: version-checked, never trusted alone', () => {
  let t: TestApp;
  let studio: TenantSession;
  beforeAll(async () => {
    t = await createTestApp({ config: { streamCache: true } });
    studio = await t.newTenant();
  });
  afterAll(() => t.close());

  const store = () => t.infrastructure.system.eventStore;
  const redeem = (packageId: string) => t.http.post(`/v1/packages/${packageId}/redemptions`).set(studio.auth).set('Idempotency-Key', randomUUID()).send({});

  /** Appends a copy of `event` (fresh id) to `streamId` as another process would. */
  async function appendElsewhere(streamId: string, event: StoredEvent, data: unknown = event.data) {
    const version = (await store().readStream(streamId)).length;
    await store().append([{ streamId, expectedVersion: version, events: [{ eventId: randomUUID(), type: event.type, schemaVersion: event.schemaVersion, data, metadata: event.metadata }] }]);
  }

  async function adjustmentOf(packageId: string): Promise<StoredEvent> {
    await t.http.post(`/v1/packages/${packageId}/adjustments`).set(studio.auth).send({ delta: 1, reason: 'template' }).expect(201);
    return (await store().readStream(`package-${packageId}`)).find((e) => e.type === 'CreditsAdjusted')!;
  }

  it('a write decided on a stale entry conflicts and is decided again on the store: the answer counts the other writer', async () => {
    const pkg = await studio.sellPackage(await studio.createOffering({ sessionCount: 5 }), await studio.createClient());
    const adjusted = await adjustmentOf(pkg.id); // 6 credits; the stream is cached here
    expect((await redeem(pkg.id).expect(201)).body.creditsRemaining).toBe(5);
    await appendElsewhere(`package-${pkg.id}`, adjusted); // 6 now, unknown to the cache
    expect((await redeem(pkg.id).expect(201)).body.creditsRemaining).toBe(5);
    const types = (await store().readStream(`package-${pkg.id}`)).map((e) => e.type);
    expect(types).toEqual(['PackagePurchased', 'CreditsAdjusted', 'SessionRedeemed', 'CreditsAdjusted', 'SessionRedeemed']);
  });

  it('a refusal decided on a stale entry is decided again on the store before it is answered', async () => {
    const pkg = await studio.sellPackage(await studio.createOffering({ sessionCount: 1 }), await studio.createClient());
    const adjusted = await adjustmentOf(pkg.id); // 2 credits
    await redeem(pkg.id).expect(201);
    await redeem(pkg.id).expect(201); // none left, as the cache knows it
    await appendElsewhere(`package-${pkg.id}`, adjusted); // one more credit, unknown to the cache
    const answer = await redeem(pkg.id).expect(201); // not 409 no_credits_left
    expect(answer.body.creditsRemaining).toBe(0);
  });

  it('an unknown stream read into the cache does not hide a stream created elsewhere since', async () => {
    const template = await studio.sellPackage(await studio.createOffering({ sessionCount: 3 }), await studio.createClient());
    const purchased = (await store().readStream(`package-${template.id}`))[0];
    const id = randomUUID();
    expect((await redeem(id).expect(404)).body.code).toBe('package_not_found'); // the empty stream is now cached
    await appendElsewhere(`package-${id}`, purchased, { ...(purchased.data as object), packageId: id });
    expect((await redeem(id).expect(201)).body).toMatchObject({ id, creditsRemaining: 2 });
  });

  describe('two processes on one database, each with its own cache', () => {
    let other: TestApp;
    beforeAll(async () => {
      other = await createTestApp({ sharedWith: t, runProjections: false, config: { streamCache: true } });
    });
    afterAll(() => other?.close());

    async function studioSchedule() {
      const post = async (path: string, body: object) => (await t.http.post(path).set(studio.auth).send(body).expect(201)).body;
      const sessionTypeId = (await post('/v1/session-types', { name: 'One to one', durationMinutes: 60, capacity: 1, price: { amount: 5000, currency: 'USD' } })).id;
      const allDay = [{ start: '00:00', end: '24:00' }];
      const weeklyHours = Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, allDay]));
      const scheduleId = (await post('/v1/schedules', { host: 'Coach', timezone: 'UTC', weeklyHours, sessionTypeIds: [sessionTypeId] })).id;
      const offeringId = await studio.createOffering({ sessionCount: 10, scheduleId, sessionTypeIds: [sessionTypeId] });
      const day = new Date(t.clock.now());
      day.setUTCHours(24 * 3, 0, 0, 0);
      const at = (hour: number) => new Date(day.getTime() + hour * 3_600_000).toISOString();
      const client = async () => {
        const clientId = await studio.createClient();
        await studio.sellPackage(offeringId, clientId);
        return clientId;
      };
      const book = (app: TestApp, clientId: string, hour: number) =>
        app.http.post('/v1/bookings').set(studio.auth).set('Idempotency-Key', randomUUID()).send({ clientId, scheduleId, sessionTypeId, start: at(hour) });
      return { client, book };
    }

    it('a slot freed by the other process is booked here, though this cache still has it taken (the refusal is checked on the store)', async () => {
      const { client, book } = await studioSchedule();
      const first = await book(t, await client(), 9).expect(201); // the day stream is cached here, slot taken
      await other.http.post(`/v1/bookings/${first.body.id}/cancellations`).set(studio.auth).send({}).expect(201);
      const second = await book(t, await client(), 9).expect(201); // not 409 slot_full
      expect(second.body.status).toBe('booked');
    });

    it('a retry with the same key on the other process, decided on its stale entry, replays the first answer: not an answer of its own', async () => {
      const pkg = await studio.sellPackage(await studio.createOffering({ sessionCount: 5 }), await studio.createClient());
      const redeemOn = (app: TestApp, key: string) => app.http.post(`/v1/packages/${pkg.id}/redemptions`).set(studio.auth).set('Idempotency-Key', key).send({});
      await redeemOn(other, randomUUID()).expect(201); // the other process caches the stream at this version
      const key = randomUUID();
      const first = await redeemOn(t, key).expect(201); // here: the stream moves on, the answer is recorded with it
      // The client never saw that answer and retries on the other process: same key, same version in its cache,
      // so the same event ids. They are stored already, with the first attempt's answer.
      const retried = await redeemOn(other, key).expect(201);
      expect(retried.headers['idempotent-replayed']).toBe('true');
      expect(retried.body).toEqual(first.body);
      expect((await store().readStream(`package-${pkg.id}`)).filter((e) => e.type === 'SessionRedeemed')).toHaveLength(2);
    });

    it('a booking decided on a day the other process changed conflicts and is decided again: both bookings stand, the full slot is refused', async () => {
      const { client, book } = await studioSchedule();
      await book(t, await client(), 9).expect(201); // cached here
      await book(other, await client(), 10).expect(201); // the day moves elsewhere
      await book(t, await client(), 11).expect(201); // stale day: conflict, then decided on the store
      const refused = await book(t, await client(), 10).expect(409); // the other process's booking is seen
      expect(refused.body.code).toBe('slot_full');
    });
  });
});
