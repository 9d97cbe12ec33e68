import { comparePositions, Position, START } from '@punchcard/event-store';
import { CheckpointMovedError, DocumentKey, FieldCondition, ReadStore } from '../read-store.port';

export interface ReadStoreSubject {
  store: ReadStore;
  cleanup(): Promise<void>;
}

const at = (n: number): Position => ({ transactionId: String(1000 + n), globalPosition: String(n) });
const key = (id: string, tenantId = 'tenant-a', collection = 'things'): DocumentKey => ({ collection, tenantId, id });

/** The behaviour every ReadStore adapter must show. Call inside a describe block. */
export function readStoreContract(createSubject: () => Promise<ReadStoreSubject>): void {
  let subject: ReadStoreSubject;
  let store: ReadStore;
  beforeAll(async () => {
    subject = await createSubject();
    store = subject.store;
    await store.ensureIndexes([{ collection: 'things', field: 'status' }]);
    await store.ensureIndexes([{ collection: 'things', field: 'status' }]); // idempotent
    const things = [
      { id: 'a1', name: 'Yoga Basics', status: 'active', credits: 5, expiresAt: '2026-03-01T00:00:00.000Z' },
      { id: 'a2', name: 'yoga advanced', status: 'expired', credits: 0, expiresAt: '2026-01-01T00:00:00.000Z' },
      { id: 'a3', name: 'Pilates 100%', status: 'active', credits: 12, expiresAt: null },
      { id: 'a4', name: 'Boxing', status: 'refunded', credits: 2, expiresAt: '2026-02-01T00:00:00.000Z' },
    ];
    await store.commit('setup', START, at(1), [
      ...things.map((data) => ({ kind: 'put' as const, key: key(data.id), data })),
      { kind: 'put', key: key('b1', 'tenant-b'), data: { id: 'b1', name: 'Yoga elsewhere', status: 'active' } },
    ]);
  });
  afterAll(() => subject.cleanup());

  const ids = (docs: { id: string }[]) => docs.map((d) => d.id);

  it('gets one document and several by key, scoped by tenant', async () => {
    expect(await store.get(key('a1'))).toMatchObject({ name: 'Yoga Basics' });
    expect(await store.get(key('a1', 'tenant-b'))).toBeNull();
    const many = await store.getMany([key('a1'), key('b1', 'tenant-b'), key('missing')]);
    expect(many.map((d) => `${d.tenantId}/${d.id}`).sort()).toEqual(['tenant-a/a1', 'tenant-b/b1']);
  });

  it('finds by equality, in, numeric and string ranges, ordered by id both ways', async () => {
    expect(ids(await store.find('things', 'tenant-a', { where: { status: 'active' }, limit: 10 }))).toEqual(['a1', 'a3']);
    expect(ids(await store.find('things', 'tenant-a', { where: { status: { in: ['expired', 'refunded'] } }, limit: 10 }))).toEqual(['a2', 'a4']);
    expect(ids(await store.find('things', 'tenant-a', { where: { credits: { gte: 2, lt: 12 } }, limit: 10 }))).toEqual(['a1', 'a4']);
    expect(ids(await store.find('things', 'tenant-a', { where: { expiresAt: { lte: '2026-02-01T00:00:00.000Z' } }, limit: 10 }))).toEqual(['a2', 'a4']);
    expect(ids(await store.find('things', 'tenant-a', { where: { expiresAt: null }, limit: 10 }))).toEqual(['a3']);
    expect(ids(await store.find('things', 'tenant-a', { order: 'desc', limit: 10 }))).toEqual(['a4', 'a3', 'a2', 'a1']);
  });

  it('finds documents matching any of several condition sets, on top of where', async () => {
    const expiredByNow: Record<string, FieldCondition>[] = [{ status: 'expired' }, { status: { in: ['active', 'used_up'] }, expiresAt: { lte: '2026-03-01T00:00:00.000Z' } }];
    expect(ids(await store.find('things', 'tenant-a', { anyOf: expiredByNow, limit: 10 }))).toEqual(['a1', 'a2']);
    const stillActive = { where: { status: 'active' }, anyOf: [{ expiresAt: null }, { expiresAt: { gt: '2026-03-01T00:00:00.000Z' } }], limit: 10 };
    expect(ids(await store.find('things', 'tenant-a', stillActive))).toEqual(['a3']);
    expect(ids(await store.find('things', 'tenant-a', { anyOf: [], limit: 10 }))).toEqual([]);
  });

  it('searches text case-insensitively, treating wildcard characters literally, and never across tenants', async () => {
    expect(ids(await store.find('things', 'tenant-a', { search: { fields: ['name'], text: 'YOGA' }, limit: 10 }))).toEqual(['a1', 'a2']);
    expect(ids(await store.find('things', 'tenant-a', { search: { fields: ['name'], text: '100%' }, limit: 10 }))).toEqual(['a3']);
    expect(ids(await store.find('things', 'tenant-a', { search: { fields: ['name'], text: '_' }, limit: 10 }))).toEqual([]);
    expect(ids(await store.find('things', 'tenant-b', { search: { fields: ['name'], text: 'yoga' }, limit: 10 }))).toEqual(['b1']);
    const orAnyOf: Record<string, FieldCondition>[] = [{ status: 'refunded' }, { credits: { gte: 5, lt: 6 } }];
    expect(ids(await store.find('things', 'tenant-a', { search: { fields: ['name'], text: 'pilates', orAnyOf }, limit: 10 }))).toEqual(['a1', 'a3', 'a4']);
    const combined = { where: { status: 'active' }, search: { fields: ['name'], text: 'pilates', orAnyOf }, limit: 10 };
    expect(ids(await store.find('things', 'tenant-a', combined))).toEqual(['a1', 'a3']);
    // A document several alternatives match comes once, pages follow the cursor, and filters apply to each.
    const both = { fields: ['name'], text: 'yoga', orAnyOf: [{ status: { in: ['active', 'expired'] } }] };
    const first = await store.find('things', 'tenant-a', { search: both, order: 'desc', limit: 2 });
    expect(ids(first)).toEqual(['a3', 'a2']);
    expect(ids(await store.find('things', 'tenant-a', { search: both, order: 'desc', after: first[1].id, limit: 2 }))).toEqual(['a1']);
    expect(ids(await store.find('things', 'tenant-a', { where: { credits: { lt: 12 } }, search: both, limit: 10 }))).toEqual(['a1', 'a2']);
    // `id` is the document id; no fields and no sets match nothing.
    expect(ids(await store.find('things', 'tenant-a', { search: { fields: ['id'], text: 'A2' }, limit: 10 }))).toEqual(['a2']);
    expect(ids(await store.find('things', 'tenant-a', { search: { fields: [], text: 'yoga', orAnyOf: [] }, limit: 10 }))).toEqual([]);
  });

  it('lists the distinct values of a field that contain a text, in order, within a tenant', async () => {
    // status has a declared index (its key column); name has none: both answer the same way.
    expect(await store.distinctValues('things', 'tenant-a', 'status', { contains: 'E', limit: 10 })).toEqual(['active', 'expired', 'refunded']);
    expect(await store.distinctValues('things', 'tenant-a', 'status', { contains: 'E', limit: 2 })).toEqual(['active', 'expired']);
    expect(await store.distinctValues('things', 'tenant-a', 'status', { contains: 'boxing', limit: 10 })).toEqual([]);
    // (Sorted here: where 'Yoga' and 'yoga' fall depends on the database's collation.)
    expect((await store.distinctValues('things', 'tenant-a', 'name', { contains: 'YOGA', limit: 10 })).sort()).toEqual(['Yoga Basics', 'yoga advanced']);
    expect(await store.distinctValues('things', 'tenant-a', 'name', { contains: '%', limit: 10 })).toEqual(['Pilates 100%']);
    expect(await store.distinctValues('things', 'tenant-b', 'status', { contains: '', limit: 10 })).toEqual(['active']);
  });

  it('reads in one snapshot: what commits meanwhile is not seen there', async () => {
    const seen = await store.readInSnapshot(async (reader) => {
      const before = await reader.get(key('snap'));
      await store.commit('snapshot-writer', START, at(1), [{ kind: 'put', key: key('snap'), data: { id: 'snap', status: 'active' } }]);
      return { before, after: await reader.get(key('snap')), active: (await reader.find('things', 'tenant-a', { where: { status: 'active' }, limit: 10 })).length };
    });
    expect(seen).toEqual({ before: null, after: null, active: 2 });
    expect(await store.get(key('snap'))).toMatchObject({ id: 'snap' });
    expect(await store.find('things', 'tenant-a', { where: { status: 'active' }, limit: 10 })).toHaveLength(3);
    await store.commit('snapshot-writer', at(1), at(2), [{ kind: 'delete', key: key('snap') }]);
  });

  it('pages with an id cursor in either direction', async () => {
    const first = await store.find('things', 'tenant-a', { order: 'desc', limit: 2 });
    const second = await store.find('things', 'tenant-a', { order: 'desc', after: first[1].id, limit: 2 });
    expect([...ids(first), ...ids(second)]).toEqual(['a4', 'a3', 'a2', 'a1']);
    expect(ids(await store.find('things', 'tenant-a', { after: 'a2', limit: 10 }))).toEqual(['a3', 'a4']);
  });

  it('keeps to an id range, inclusive, with a cursor inside it and in either direction', async () => {
    const idBetween = { from: 'a2', to: 'a3' };
    expect(ids(await store.find('things', 'tenant-a', { idBetween, limit: 10 }))).toEqual(['a2', 'a3']);
    expect(ids(await store.find('things', 'tenant-a', { idBetween, order: 'desc', limit: 1 }))).toEqual(['a3']);
    expect(ids(await store.find('things', 'tenant-a', { idBetween, after: 'a2', limit: 10 }))).toEqual(['a3']);
  });

  it('commits changes and the checkpoint together, and refuses a stale checkpoint without writing', async () => {
    expect(comparePositions(await store.checkpoint('setup'), at(1))).toBe(0);
    await store.commit('setup', at(1), at(2), [
      { kind: 'put', key: key('a1'), data: { id: 'a1', name: 'Yoga Basics', status: 'used_up' } },
      { kind: 'delete', key: key('a4') },
    ]);
    await expect(store.commit('setup', at(1), at(3), [{ kind: 'put', key: key('a9'), data: { id: 'a9' } }])).rejects.toBeInstanceOf(
      CheckpointMovedError,
    );
    await expect(store.commit('other', at(5), at(6), [])).rejects.toBeInstanceOf(CheckpointMovedError);
    expect(await store.get(key('a9'))).toBeNull();
    expect(await store.get(key('a4'))).toBeNull();
    expect(await store.get(key('a1'))).toMatchObject({ status: 'used_up' });
    expect(comparePositions(await store.checkpoint('setup'), at(2))).toBe(0);
  });

  it('lets exactly one of two runners starting from the same checkpoint commit', async () => {
    const results = await Promise.allSettled([
      store.commit('race', START, at(1), [{ kind: 'put', key: key('r1', 'tenant-a', 'race'), data: { by: 1 } }]),
      store.commit('race', START, at(1), [{ kind: 'put', key: key('r1', 'tenant-a', 'race'), data: { by: 2 } }]),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof CheckpointMovedError)).toHaveLength(1);
  });

  it('commits several projections in one transaction: all of them, or nothing when any checkpoint moved', async () => {
    const put = (id: string, collection: string, v: number) => ({ kind: 'put' as const, key: key(id, 'tenant-a', collection), data: { v } });
    await store.commitAll([
      { projection: 'all-a', from: START, to: at(1), changes: [put('x', 'all-a', 1)] },
      { projection: 'all-b', from: START, to: at(1), changes: [put('x', 'all-b', 1)] },
    ]);
    await store.commitAll([
      { projection: 'all-a', from: at(1), to: at(2), changes: [put('x', 'all-a', 2)] },
      { projection: 'all-b', from: at(1), to: at(3), changes: [put('x', 'all-b', 3), { kind: 'delete', key: key('gone', 'tenant-a', 'all-b') }] },
    ]);
    expect(await store.checkpoints(['all-a', 'all-b', 'all-never'])).toEqual(new Map([['all-a', at(2)], ['all-b', at(3)], ['all-never', START]]));

    // all-b is no longer at at(2): all-a's batch is refused with it, and the error names all-b.
    const refused = store.commitAll([
      { projection: 'all-a', from: at(2), to: at(4), changes: [put('x', 'all-a', 4)] },
      { projection: 'all-b', from: at(2), to: at(4), changes: [put('x', 'all-b', 4)] },
    ]);
    await expect(refused).rejects.toEqual(new CheckpointMovedError('all-b'));
    // A first batch that another runner already wrote is refused the same way, with the rest.
    await expect(
      store.commitAll([
        { projection: 'all-a', from: at(2), to: at(4), changes: [put('x', 'all-a', 4)] },
        { projection: 'all-b', from: START, to: at(4), changes: [put('x', 'all-b', 4)] },
      ]),
    ).rejects.toEqual(new CheckpointMovedError('all-b'));
    expect(await store.get(key('x', 'tenant-a', 'all-a'))).toEqual({ v: 2 });
    expect(await store.get(key('x', 'tenant-a', 'all-b'))).toEqual({ v: 3 });
    expect(await store.checkpoints(['all-a', 'all-b'])).toEqual(new Map([['all-a', at(2)], ['all-b', at(3)]]));
  });

  it('applies the last change to a key within one commit', async () => {
    await store.commit('last', START, at(1), [
      { kind: 'put', key: key('x', 'tenant-a', 'last'), data: { v: 1 } },
      { kind: 'delete', key: key('x', 'tenant-a', 'last') },
      { kind: 'put', key: key('y', 'tenant-a', 'last'), data: { v: 1 } },
      { kind: 'put', key: key('y', 'tenant-a', 'last'), data: { v: 2 } },
    ]);
    expect(await store.get(key('x', 'tenant-a', 'last'))).toBeNull();
    expect(await store.get(key('y', 'tenant-a', 'last'))).toEqual({ v: 2 });
  });

  it('resets a projection: its collections are emptied and its checkpoint returns to the start', async () => {
    await store.reset('race', ['race']);
    expect(await store.get(key('r1', 'tenant-a', 'race'))).toBeNull();
    expect(await store.checkpoint('race')).toEqual(START);
    expect(await store.get(key('a1'))).not.toBeNull();
  });

  describe('sorting by a field', () => {
    const rows = [
      { id: 'p1', offeringId: 'o1', booked: 3, last: '2026-01-03' },
      { id: 'p2', offeringId: 'o1', booked: 10, last: null },
      { id: 'p3', offeringId: 'o1', booked: 3, last: '2026-01-01' },
      { id: 'p4', offeringId: 'o1', booked: 0, last: '2026-01-02' },
      { id: 'p5', offeringId: 'o2', booked: 7, last: '2026-01-09' },
    ];
    beforeAll(async () => {
      await store.ensureIndexes([
        { collection: 'usage', within: 'offeringId', field: 'booked', numeric: true },
        { collection: 'usage', within: 'offeringId', field: 'last' },
      ]);
      await store.commit('usage', START, at(1), rows.map((data) => ({ kind: 'put' as const, key: key(data.id, 'tenant-a', 'usage'), data })));
    });

    /** Pages through with `afterSorted`, `size` at a time, so a cursor bug shows as a skipped or repeated row. */
    async function pageThrough(sort: { field: string; numeric?: boolean; direction?: 'asc' | 'desc' }, size: number): Promise<string[]> {
      const seen: string[] = [];
      let afterSorted: { value: any; id: string } | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.find<any>('usage', 'tenant-a', { where: { offeringId: 'o1' }, sort, afterSorted, limit: size });
        seen.push(...ids(page));
        if (page.length < size) break;
        const last = page[page.length - 1];
        afterSorted = { value: last.data[sort.field], id: last.id };
      }
      return seen;
    }

    it('orders numbers as numbers, ties by id, in both directions, and pages without skipping or repeating', async () => {
      expect(await pageThrough({ field: 'booked', numeric: true }, 10)).toEqual(['p4', 'p1', 'p3', 'p2']);
      expect(await pageThrough({ field: 'booked', numeric: true }, 1)).toEqual(['p4', 'p1', 'p3', 'p2']);
      expect(await pageThrough({ field: 'booked', numeric: true, direction: 'desc' }, 1)).toEqual(['p2', 'p3', 'p1', 'p4']);
    });

    it('orders text with a missing value first, and pages past it', async () => {
      expect(await pageThrough({ field: 'last' }, 1)).toEqual(['p2', 'p3', 'p4', 'p1']);
      expect(await pageThrough({ field: 'last', direction: 'desc' }, 2)).toEqual(['p1', 'p4', 'p3', 'p2']);
    });
  });

  it('adds up numeric fields per group in the store, scoped by tenant and filter', async () => {
    await store.commit('sums', START, at(1), [
      { kind: 'put', key: key('d1', 'tenant-a', 'days'), data: { currency: 'EUR', day: '2026-01-01', sales: 1000, refunds: 0 } },
      { kind: 'put', key: key('d2', 'tenant-a', 'days'), data: { currency: 'EUR', day: '2026-01-02', sales: 250, refunds: 40 } },
      { kind: 'put', key: key('d3', 'tenant-a', 'days'), data: { currency: 'USD', day: '2026-01-02', sales: 99 } },
      { kind: 'put', key: key('d4', 'tenant-b', 'days'), data: { currency: 'EUR', day: '2026-01-01', sales: 5 } },
    ]);
    expect(await store.sum('days', 'tenant-a', { groupBy: ['currency'], fields: ['sales', 'refunds'] })).toEqual([
      { group: { currency: 'EUR' }, sums: { sales: 1250, refunds: 40 }, count: 2 },
      { group: { currency: 'USD' }, sums: { sales: 99, refunds: 0 }, count: 1 },
    ]);
    expect(await store.sum('days', 'tenant-a', { where: { day: { lt: '2026-01-02' } }, groupBy: [], fields: ['sales'] })).toEqual([
      { group: {}, sums: { sales: 1000 }, count: 1 },
    ]);
    expect(await store.sum('days', 'tenant-c', { groupBy: [], fields: ['sales'] })).toEqual([]);
  });

  describe('blue/green: a rebuilt generation compared with and switched for the live one', () => {
    const live = { projection: 'colours-v1', collections: ['colours'] };
    const rebuilt = { projection: 'colours-v1@rebuild', collections: ['colours@rebuild'] };
    const colour = (id: string, data: unknown, collection = 'colours') => ({ kind: 'put' as const, key: key(id, 'tenant-a', collection), data });

    it('compares as of one position: null while the checkpoints differ, then every differing document', async () => {
      await store.commit(live.projection, START, at(2), [colour('c1', { v: 1 }), colour('c2', { v: 2 }), colour('c3', { v: 3 })]);
      await store.commit(rebuilt.projection, START, at(1), [colour('c1', { v: 1 }, 'colours@rebuild')]);
      expect(await store.compare(live, rebuilt, 10)).toBeNull();
      await store.commit(rebuilt.projection, at(1), at(2), [colour('c2', { v: 20 }, 'colours@rebuild'), colour('c4', { v: 4 }, 'colours@rebuild')]);
      expect(await store.compare(live, rebuilt, 10)).toEqual([
        { collection: 'colours', tenantId: 'tenant-a', id: 'c2', live: { v: 2 }, rebuilt: { v: 20 } },
        { collection: 'colours', tenantId: 'tenant-a', id: 'c3', live: { v: 3 }, rebuilt: null },
        { collection: 'colours', tenantId: 'tenant-a', id: 'c4', live: null, rebuilt: { v: 4 } },
      ]);
      expect(await store.compare(live, rebuilt, 1)).toHaveLength(1);
    });

    it('switches in one step: the live names serve the rebuilt documents from the rebuilt checkpoint', async () => {
      await store.commit(rebuilt.projection, at(2), at(3), [colour('c3', { v: 3 }, 'colours@rebuild')]);
      await store.swap(live, rebuilt);
      expect((await store.find('colours', 'tenant-a', { limit: 10 })).map((d) => [d.id, d.data])).toEqual([
        ['c1', { v: 1 }],
        ['c2', { v: 20 }],
        ['c3', { v: 3 }],
        ['c4', { v: 4 }],
      ]);
      expect(await store.find('colours@rebuild', 'tenant-a', { limit: 10 })).toEqual([]);
      expect(comparePositions(await store.checkpoint(live.projection), at(3))).toBe(0);
      expect(await store.checkpoint(rebuilt.projection)).toEqual(START);
      // A live runner that loaded its batch before the switch cannot commit over the new generation.
      await expect(store.commit(live.projection, at(2), at(4), [colour('c1', { stale: true })])).rejects.toBeInstanceOf(CheckpointMovedError);
      await expect(store.swap(live, rebuilt)).rejects.toThrow(/nothing was rebuilt/);
    });
  });
}
