import type { Response } from 'supertest';
import { comparePositions, formatPosition, parsePosition, Position } from '@punchcard/event-store';
import { createTestApp, TenantSession, TestApp } from '../support/test-app';

/**
 * The storefront (issue 12) over HTTP on PostgreSQL: public by slug (anonymous viewers see offerings
 * visible to everyone) and with a client token (also the client's groups' offerings); only offerings
 * on sale; the price per session and the saving against the linked session type's single price.
 */
describe('Storefront over HTTP', () => {
  let t: TestApp;
  let studio: TenantSession; // EUR, Europe/Berlin, publishes its storefront as "studio-nord"
  let other: TenantSession; // USD, no storefront until a test publishes one
  const SLUG = 'studio-nord';

  let lastPosition: Position | null = null;
  const note = (res: Response) => {
    const position = parsePosition(res.headers['punchcard-position'] ?? '');
    if (position && (!lastPosition || comparePositions(position, lastPosition) > 0)) lastPosition = position;
    return res;
  };
  /** The public route takes no `after`: wait here until the read models hold every write so far. */
  const caughtUp = async () => {
    const { runner } = t.infrastructure;
    const target = lastPosition;
    if (target) expect((await runner.waitUntil(() => runner.hasReached(target), 10_000)).reached).toBe(true);
  };

  const eur = (amount: number) => ({ amount, currency: 'EUR' });
  const post = async (session: TenantSession, path: string, body: object) => note(await t.http.post(path).set(session.auth).send(body).expect(201)).body;
  const patch = async (session: TenantSession, path: string, body: object) => note(await t.http.patch(path).set(session.auth).send(body).expect(200)).body;
  const sessionType = async (name: string, price: { amount: number; currency: string }, extra: object = {}) =>
    (await post(studio, '/v1/session-types', { name, durationMinutes: 60, price, ...extra })).id as string;
  const offering = async (name: string, body: object = {}) =>
    (await post(studio, '/v1/offerings', { name, sessionCount: 6, price: eur(54000), validityDays: 90, ...body })).id as string;
  const tokenFor = async (session: TenantSession, clientId: string) => (await post(session, `/v1/clients/${clientId}/tokens`, {})).token as string;

  /** Every page of a storefront list, following nextCursor. */
  async function allPages(path: string, headers: Record<string, string> = {}, limit = 100): Promise<any[]> {
    const items: any[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const res: Response = await t.http.get(`${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`).set(headers).expect(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
      if (!cursor) return items;
    }
    throw new Error('more than 50 pages');
  }
  const publicList = async () => {
    await caughtUp();
    return allPages(`/v1/storefront/${SLUG}/offerings`);
  };
  const names = (items: { name: string }[]) => items.map((i) => i.name).sort();
  const byName = (items: any[], name: string) => {
    const found = items.find((i) => i.name === name);
    if (!found) throw new Error(`${name} is not in the storefront: ${names(items).join(', ')}`);
    return found;
  };

  const ids = {
    pt: '', // 100.00 EUR single
    short: '', // 95.00 EUR single
    forty: '', // 40.00 EUR single
    usd: '', // 50.00 USD single
    archived: '', // 10.00 EUR single, archived
    vipClient: '',
    plainClient: '',
  };

  beforeAll(async () => {
    t = await createTestApp();
    studio = await t.newTenant({ timezone: 'Europe/Berlin', currency: 'EUR' });
    other = await t.newTenant({ timezone: 'America/New_York', currency: 'USD' });
    await patch(studio, '/v1/storefront-settings', { slug: SLUG });

    ids.pt = await sessionType('Personal training', eur(10000), { description: 'One to one', location: 'Studio A', nonMemberPrice: eur(12000) });
    ids.short = await sessionType('Short session', eur(9500));
    ids.forty = await sessionType('Drop-in class', eur(4000), { capacity: 8 });
    ids.usd = await sessionType('Online coaching', { amount: 5000, currency: 'USD' });
    ids.archived = await sessionType('Old format', eur(1000));
    await patch(studio, `/v1/session-types/${ids.archived}`, { status: 'archived' });

    ids.vipClient = (await post(studio, '/v1/clients', { name: 'Vera Vip', email: 'vera@example.com', groups: ['VIP'] })).id;
    ids.plainClient = (await post(studio, '/v1/clients', { name: 'Paul Plain', email: 'paul@example.com', groups: ['Mornings'] })).id;
  });
  afterAll(() => t.close());

  describe('what it shows', () => {
    it('shows an offering with its price per session, its saving against the linked single price and its linked session types', async () => {
      await offering('Six sessions', {
        description: 'Six personal training sessions',
        sessionTypeIds: [ids.pt],
        maxSessionsPerWeek: 2,
        cancellationPolicy: { noticeHours: 12, lateCancellation: 'forfeit', noShow: 'return' },
      });
      const res = await (async () => {
        await caughtUp();
        return t.http.get(`/v1/storefront/${SLUG}/offerings`).expect(200);
      })();
      expect(res.body.business).toEqual({ name: expect.any(String), slug: SLUG });
      const item = byName(res.body.items, 'Six sessions');
      expect(item).toEqual({
        id: expect.any(String),
        name: 'Six sessions',
        description: 'Six personal training sessions',
        sessionCount: 6,
        price: eur(54000),
        pricePerSession: eur(9000),
        // 6 × 100.00 = 600.00 singly: the package saves 60.00, 10 %
        saving: { amount: eur(6000), percent: 10, singlePrice: eur(10000), sessionTypeId: ids.pt },
        validity: { kind: 'days', days: 90 },
        maxSessionsPerWeek: 2,
        cancellationPolicy: { noticeHours: 12, lateCancellation: 'forfeit', noShow: 'return' },
        allSessionTypes: false,
        sessionTypes: [
          {
            id: ids.pt,
            name: 'Personal training',
            description: 'One to one',
            coverImageUrl: null,
            durationMinutes: 60,
            capacity: 1,
            location: 'Studio A',
            price: eur(10000),
            nonMemberPrice: eur(12000),
          },
        ],
      });
      // Nothing internal: no usage figures, visibility groups, reminders or deletion flags.
      for (const field of ['visibility', 'packagesSold', 'creditsTotal', 'creditsUsed', 'reminders', 'feedbackRequest', 'deleted', 'status', 'tenantId']) {
        expect(item).not.toHaveProperty(field);
      }
    });

    it('rounds the price per session to the nearest minor unit and the saving percentage down', async () => {
      // 100.00 for 3 against 40.00 singly: 33.33 per session; saves 120.00 − 100.00 = 20.00 = 16.66…% → 16.6
      await offering('Three drop-ins', { sessionCount: 3, price: eur(10000), sessionTypeIds: [ids.forty] });
      // 200.00 for 3: 66.666… → 66.67 per session; against 95.00 singly (285.00) it saves 85.00 = 29.82…% → 29.8
      await offering('Three short', { sessionCount: 3, price: eur(20000), sessionTypeIds: [ids.short] });
      // 0.05 for 2: 0.025 → 0.03 (halves up)
      await offering('Two for a nickel', { sessionCount: 2, price: eur(5), sessionTypeIds: [ids.forty] });
      const items = await publicList();
      expect(byName(items, 'Three drop-ins')).toMatchObject({ pricePerSession: eur(3333), saving: { amount: eur(2000), percent: 16.6, singlePrice: eur(4000) } });
      expect(byName(items, 'Three short')).toMatchObject({ pricePerSession: eur(6667), saving: { amount: eur(8500), percent: 29.8, singlePrice: eur(9500) } });
      expect(byName(items, 'Two for a nickel')).toMatchObject({ pricePerSession: eur(3), saving: { amount: eur(7995), percent: 99.9 } });
    });

    it('compares with the cheapest linked session type, leaving out archived ones', async () => {
      // Linked: 100.00, 95.00 and an archived 10.00 (not bookable, not shown, not compared): 6 × 95.00 = 570.00 → saves 30.00 = 5.26…%
      await offering('Mixed six', { sessionTypeIds: [ids.pt, ids.short, ids.archived] });
      const item = byName(await publicList(), 'Mixed six');
      expect(item.saving).toEqual({ amount: eur(3000), percent: 5.2, singlePrice: eur(9500), sessionTypeId: ids.short });
      expect(item.sessionTypes.map((s: { id: string }) => s.id)).toEqual([ids.pt, ids.short]);
    });

    it('has no saving without a linked single price, in another currency only, or when the package is not cheaper', async () => {
      await offering('Any session', {}); // books any session type: no linked single price
      await offering('Online six', { sessionTypeIds: [ids.usd] }); // EUR package, USD single price: not compared
      await offering('Same as singly', { price: eur(60000), sessionTypeIds: [ids.pt] }); // 6 × 100.00
      await offering('Dearer than singly', { price: eur(60001), sessionTypeIds: [ids.pt] });
      const items = await publicList();
      expect(byName(items, 'Any session')).toMatchObject({ saving: null, allSessionTypes: true, sessionTypes: [], pricePerSession: eur(9000) });
      expect(byName(items, 'Online six')).toMatchObject({ saving: null, allSessionTypes: false, sessionTypes: [{ id: ids.usd, price: { amount: 5000, currency: 'USD' } }] });
      expect(byName(items, 'Same as singly').saving).toBeNull();
      expect(byName(items, 'Dearer than singly')).toMatchObject({ saving: null, pricePerSession: eur(10000) }); // 100.0016… → 100.00
    });
  });

  describe('who sees what', () => {
    let vipOnly = '';
    beforeAll(async () => {
      await offering('Everyone', {});
      vipOnly = await offering('VIP only', { visibility: { kind: 'groups', groups: ['VIP'] } });
      await offering('Evenings only', { visibility: { kind: 'groups', groups: ['Evenings'] } });
      await caughtUp();
    });

    it('an anonymous viewer sees only offerings visible to everyone', async () => {
      const shown = names(await publicList());
      expect(shown).toContain('Everyone');
      expect(shown).not.toContain('VIP only');
      expect(shown).not.toContain('Evenings only');
    });

    it("a client token sees the offerings visible to everyone and to the client's groups, and nothing of another group", async () => {
      const vip = names(await allPages('/v1/me/storefront/offerings', { Authorization: `Bearer ${await tokenFor(studio, ids.vipClient)}` }));
      expect(vip).toContain('Everyone');
      expect(vip).toContain('VIP only');
      expect(vip).not.toContain('Evenings only');
      const plain = names(await allPages('/v1/me/storefront/offerings', { Authorization: `Bearer ${await tokenFor(studio, ids.plainClient)}` }));
      expect(plain).toContain('Everyone');
      expect(plain).not.toContain('VIP only');
      // Apart from the group offerings, both see exactly what the public storefront shows.
      const everyone = names(await publicList());
      expect(plain).toEqual(everyone);
      expect(vip.filter((n) => n !== 'VIP only')).toEqual(everyone);
    });

    it("a client's groups count as they are now (the client directory), not when the token was minted", async () => {
      const token = await tokenFor(studio, ids.plainClient);
      await patch(studio, `/v1/clients/${ids.plainClient}`, { groups: ['Mornings', 'VIP'] });
      const seen = await allPages('/v1/me/storefront/offerings', { Authorization: `Bearer ${token}` });
      expect(seen.map((i) => i.id)).toContain(vipOnly);
      await patch(studio, `/v1/clients/${ids.plainClient}`, { groups: ['Mornings'] });
    });

    it('the client route serves the token’s own business and is never cached; it waits for ?after=', async () => {
      const otherClient = await other.createClient('Olga Other');
      await post(other, '/v1/offerings', { name: 'Other studio pack', sessionCount: 5, price: { amount: 25000, currency: 'USD' } });
      const res = await t.http
        .get(`/v1/me/storefront/offerings?after=${formatPosition(lastPosition!)}`)
        .set({ Authorization: `Bearer ${await tokenFor(other, otherClient)}` })
        .expect(200);
      expect(names(res.body.items)).toEqual(['Other studio pack']);
      expect(res.headers['cache-control']).toBe('no-store');
    });
  });

  describe('only what is on sale', () => {
    it('hides draft, paused, archived and deleted offerings, and shows one again when it is back on sale', async () => {
      const draft = await offering('Draft pack', { status: 'draft' });
      const paused = await offering('Paused pack');
      await patch(studio, `/v1/offerings/${paused}`, { status: 'paused' });
      const archived = await offering('Archived pack');
      await patch(studio, `/v1/offerings/${archived}`, { status: 'archived' });
      const deleted = await offering('Deleted pack');
      note(await t.http.post(`/v1/offerings/${deleted}/deletion`).set(studio.auth).send({ reason: 'Discontinued' }).expect(201));
      let shown = names(await publicList());
      for (const hidden of ['Draft pack', 'Paused pack', 'Archived pack', 'Deleted pack']) expect(shown).not.toContain(hidden);

      await patch(studio, `/v1/offerings/${draft}`, { status: 'active' });
      await patch(studio, `/v1/offerings/${paused}`, { status: 'active' });
      shown = names(await publicList());
      expect(shown).toContain('Draft pack');
      expect(shown).toContain('Paused pack');
    });

    it('hides an offering whose fixed expiration date has passed in the business’s zone (a sale would be refused)', async () => {
      await offering('Expired last year', { validityDays: undefined, expiresOn: '2020-12-31' });
      await offering('Until 2099', { validityDays: undefined, expiresOn: '2099-12-31' });
      const shown = names(await publicList());
      expect(shown).not.toContain('Expired last year');
      expect(shown).toContain('Until 2099');
      expect(byName(await publicList(), 'Until 2099').validity).toEqual({ kind: 'fixed_date', date: '2099-12-31' });
    });
  });

  describe('pages', () => {
    it('pages newest first with nextCursor, filling each page past hidden offerings, without gaps or repeats', async () => {
      // Hidden offerings between shown ones: a page must skip them, not come back short.
      for (let i = 0; i < 5; i++) {
        await offering(`Paged ${i}`);
        await offering(`Paged hidden ${i}`, { visibility: { kind: 'groups', groups: ['Staff'] } });
      }
      const whole = await publicList();
      const paged = await allPages(`/v1/storefront/${SLUG}/offerings`, {}, 2);
      expect(paged.map((i) => i.id)).toEqual(whole.map((i) => i.id));
      expect(new Set(paged.map((i) => i.id)).size).toBe(paged.length);
      // Newest first (ids are UUIDv7).
      expect(whole.map((i) => i.id)).toEqual([...whole.map((i) => i.id)].sort().reverse());
      const first = await t.http.get(`/v1/storefront/${SLUG}/offerings?limit=3`).expect(200);
      expect(first.body.items).toHaveLength(3);
      expect(first.body.nextCursor).toBe(first.body.items[2].id);
      const last = await t.http.get(`/v1/storefront/${SLUG}/offerings?limit=100`).expect(200);
      expect(last.body.nextCursor).toBeNull();
    });
  });

  describe('the public address', () => {
    it('answers an unknown business with 404 storefront_not_found as problem+json, not cached', async () => {
      for (const slug of ['no-such-studio', 'STUDIO-NORD', 'x']) {
        const res = await t.http.get(`/v1/storefront/${slug}/offerings`).expect(404);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 404, code: 'storefront_not_found' });
        expect(res.headers['cache-control']).toBe('no-store');
      }
    });

    it('needs no credential, reads none, and may be cached for a minute', async () => {
      const anonymous = await t.http.get(`/v1/storefront/${SLUG}/offerings`).expect(200);
      expect(anonymous.headers['cache-control']).toBe('public, max-age=60');
      // A client token of a VIP does not change the public answer (that is what /v1/me/storefront/offerings is for).
      const withToken = await t.http.get(`/v1/storefront/${SLUG}/offerings`).set({ Authorization: `Bearer ${await tokenFor(studio, ids.vipClient)}` }).expect(200);
      expect(withToken.body).toEqual(anonymous.body);
      const garbage = await t.http.get(`/v1/storefront/${SLUG}/offerings`).set({ Authorization: 'Bearer nonsense' }).expect(200);
      expect(garbage.body).toEqual(anonymous.body);
    });

    it('a business without a storefront has none until an admin publishes one; slugs are unique; moving frees the old one', async () => {
      await post(other, '/v1/offerings', { name: 'Other public pack', sessionCount: 4, price: { amount: 20000, currency: 'USD' } });
      await caughtUp();
      expect((await t.http.get('/v1/storefront-settings').set(other.auth).expect(200)).body).toEqual({ slug: null, updatedAt: null, publicPath: null });

      const taken = await t.http.patch('/v1/storefront-settings').set(other.auth).send({ slug: SLUG }).expect(409);
      expect(taken.body.code).toBe('slug_taken');

      const published = await patch(other, '/v1/storefront-settings', { slug: 'other-studio' });
      expect(published).toEqual({ slug: 'other-studio', updatedAt: expect.any(String), publicPath: '/v1/storefront/other-studio/offerings' });
      const shown = await t.http.get('/v1/storefront/other-studio/offerings').expect(200);
      expect(shown.body.business.slug).toBe('other-studio');
      expect(names(shown.body.items)).toContain('Other public pack');
      expect(names(shown.body.items)).not.toContain('Six sessions'); // the studio's

      // Setting the same slug again changes nothing.
      expect(await patch(other, '/v1/storefront-settings', { slug: 'other-studio' })).toEqual(published);

      await patch(other, '/v1/storefront-settings', { slug: 'other-studio-2' });
      await t.http.get('/v1/storefront/other-studio/offerings').expect(404);
      await t.http.get('/v1/storefront/other-studio-2/offerings').expect(200);

      await patch(other, '/v1/storefront-settings', { slug: null });
      await t.http.get('/v1/storefront/other-studio-2/offerings').expect(404);
      expect((await t.http.get('/v1/storefront-settings').set(other.auth).expect(200)).body.slug).toBeNull();
    });

    it('settings: staff may read them, only an admin may change them', async () => {
      const staff = (await post(studio, '/v1/api-keys', { role: 'staff', name: 'Desk' })).key;
      const read = await t.http.get('/v1/storefront-settings').set({ Authorization: `Bearer ${staff}` }).expect(200);
      expect(read.body.slug).toBe(SLUG);
      const refused = await t.http.patch('/v1/storefront-settings').set({ Authorization: `Bearer ${staff}` }).send({ slug: 'staff-studio' }).expect(403);
      expect(refused.body.code).toBe('role_forbidden');
    });
  });
});
