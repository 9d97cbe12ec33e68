import { AppendResult, EventStore, START, StoredEvent, StreamWrite } from './event-store.port';
import { withUpcasting } from './upcasting-event-store';

function stored(type: string, schemaVersion: number, data: unknown, streamVersion = 1): StoredEvent {
  return {
    eventId: `${type}-${streamVersion}`,
    type,
    schemaVersion,
    data,
    metadata: { tenantId: 't', actor: { id: 'a', role: 'admin' }, correlationId: 'c', causationId: null, idempotencyKey: null, occurredAt: '2026-01-01T00:00:00.000Z' },
    streamId: 's-1',
    streamVersion,
    position: { transactionId: '1', globalPosition: String(streamVersion) },
    recordedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** v1 of `Renamed` had `old`; v2 calls it `name`. */
const upcast = (type: string, schemaVersion: number, data: unknown) =>
  type === 'Renamed' && schemaVersion === 1 ? { name: (data as { old: string }).old } : data;

describe('withUpcasting: readers see current shapes', () => {
  const events = [stored('Renamed', 1, { old: 'a' }, 1), stored('Renamed', 2, { name: 'b' }, 2), stored('Other', 1, { n: 1 }, 3)];
  const appended: StreamWrite[][] = [];
  let closed = 0;
  const result: AppendResult = { lastPosition: { transactionId: '2', globalPosition: '4' }, streamVersions: { 's-1': 4 }, stored: [] };
  const inner: EventStore = {
    append: async (writes) => (appended.push(writes), result),
    readStream: async () => events,
    readStreams: async (ids) => new Map(ids.map((id) => [id, events])),
    readAll: async () => events,
    close: async () => void closed++,
  };
  const store = withUpcasting(inner, upcast);
  const expected = [
    { ...events[0], data: { name: 'a' } },
    events[1],
    events[2],
  ];

  it('upcasts every event readStream returns, keeping the stored schemaVersion and leaving the inner events as they were', async () => {
    expect(await store.readStream('s-1')).toEqual(expected);
    expect((await store.readStream('s-1'))[0].schemaVersion).toBe(1);
    expect(events[0].data).toEqual({ old: 'a' });
  });

  it('upcasts every event readStreams returns, per stream', async () => {
    expect(await store.readStreams(['s-1', 's-2'])).toEqual(new Map([['s-1', expected], ['s-2', expected]]));
  });

  it('upcasts every event readAll returns', async () => {
    expect(await store.readAll(START, 10)).toEqual(expected);
  });

  it('passes appends and close through', async () => {
    const writes: StreamWrite[] = [{ streamId: 's-1', expectedVersion: 3, events: [] }];
    expect(await store.append(writes)).toBe(result);
    expect(appended).toEqual([writes]);
    await store.close();
    expect(closed).toBe(1);
  });
});
