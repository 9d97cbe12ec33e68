import { comparePositions, Position, START } from '../../../event-store/src/event-store.port';
import { CheckpointMovedError, DocumentKey, ReadStore } from '../read-store.port';

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

  it('searches text case-insensitively, treating wildcard characters literally, and never across tenants', async () => {
    expect(ids(await store.find('things', 'tenant-a', { search: { fields: ['name'], text: 'YOGA' }, limit: 10 }))).toEqual(['a1', 'a2']);
    expect(ids(await store.find('things', 'tenant-a', { search: { fields: ['name'], text: '100%' }, limit: 10 }))).toEqual(['a3']);
    expect(ids(await store.find('things', 'tenant-a', { search: { fields: ['name'], text: '_' }, limit: 10 }))).toEqual([]);
    expect(ids(await store.find('things', 'tenant-b', { search: { fields: ['name'], text: 'yoga' }, limit: 10 }))).toEqual(['b1']);
    const orWhere = { status: 'refunded' };
    expect(ids(await store.find('things', 'tenant-a', { search: { fields: ['name'], text: 'pilates', orWhere }, limit: 10 }))).toEqual(['a3', 'a4']);
    const combined = { where: { status: 'active' }, search: { fields: ['name'], text: 'pilates', orWhere }, limit: 10 };
    expect(ids(await store.find('things', 'tenant-a', combined))).toEqual(['a3']);
  });

  it('pages with an id cursor in either direction', async () => {
    const first = await store.find('things', 'tenant-a', { order: 'desc', limit: 2 });
    const second = await store.find('things', 'tenant-a', { order: 'desc', after: first[1].id, limit: 2 });
    expect([...ids(first), ...ids(second)]).toEqual(['a4', 'a3', 'a2', 'a1']);
    expect(ids(await store.find('things', 'tenant-a', { after: 'a2', limit: 10 }))).toEqual(['a3', 'a4']);
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
}
