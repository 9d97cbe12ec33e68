import { randomUUID } from 'node:crypto';
import { EventStore, NewEvent, Position, START, StoredEvent, WrongExpectedVersionError, comparePositions } from '../event-store.port';

export interface ContractSubject {
  store: EventStore;
  /** Another store instance on the same storage (a second process, as far as the store can tell). */
  secondStore(): Promise<EventStore>;
  cleanup(): Promise<void>;
}

function newEvent(type = 'Tested', data: unknown = { n: 1 }, tenantId = 'tenant-a'): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: 1,
    data,
    metadata: {
      tenantId,
      actor: { id: 'key-1', role: 'admin' },
      correlationId: randomUUID(),
      causationId: null,
      idempotencyKey: null,
      occurredAt: '2026-01-01T00:00:00.000Z',
    },
  };
}

const stream = (prefix = 'test') => `${prefix}-${randomUUID()}`;

async function readEverything(store: EventStore, after: Position = START): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  let position = after;
  for (;;) {
    const batch = await store.readAll(position, 500);
    if (batch.length === 0) return all;
    all.push(...batch);
    position = batch[batch.length - 1].position;
  }
}

/** The behaviour every EventStore adapter must show. Call inside a describe block. */
export function eventStoreContract(createSubject: () => Promise<ContractSubject>): void {
  let subject: ContractSubject;
  beforeAll(async () => {
    subject = await createSubject();
  });
  afterAll(async () => {
    await subject.cleanup();
  });

  it('appends to a new stream and reads it back in order with versions from 1', async () => {
    const id = stream();
    const events = [newEvent('A', { i: 1 }), newEvent('B', { i: 2, nested: { list: [1, 2] } })];
    const result = await subject.store.append([{ streamId: id, expectedVersion: 0, events }]);
    expect(result.streamVersions[id]).toBe(2);
    const read = await subject.store.readStream(id);
    expect(read.map((e) => [e.streamVersion, e.type, e.data, e.eventId])).toEqual([
      [1, 'A', { i: 1 }, events[0].eventId],
      [2, 'B', { i: 2, nested: { list: [1, 2] } }, events[1].eventId],
    ]);
    expect(read[1].metadata).toEqual(events[1].metadata);
    expect(comparePositions(read[1].position, result.lastPosition)).toBe(0);
  });

  it('reads an unknown stream as empty', async () => {
    expect(await subject.store.readStream(stream())).toEqual([]);
  });

  it('reads several streams in one call, each as readStream reads it, unknown ones empty', async () => {
    const [a, b, unknown] = [stream(), stream(), stream()];
    await subject.store.append([{ streamId: a, expectedVersion: 0, events: [newEvent('A', { i: 1 }), newEvent('A', { i: 2 })] }]);
    await subject.store.append([{ streamId: b, expectedVersion: 0, events: [newEvent('B', { i: 3 })] }]);
    await subject.store.append([{ streamId: a, expectedVersion: 2, events: [newEvent('A', { i: 4 })] }]);
    const read = await subject.store.readStreams([b, unknown, a]);
    expect([...read.keys()]).toEqual([b, unknown, a]);
    expect(read.get(a)).toEqual(await subject.store.readStream(a));
    expect(read.get(a)!.map((e) => e.data)).toEqual([{ i: 1 }, { i: 2 }, { i: 4 }]);
    expect(read.get(b)).toEqual(await subject.store.readStream(b));
    expect(read.get(unknown)).toEqual([]);
  });

  it('refuses an append whose expected version is stale, too far ahead, or claims a new stream that exists', async () => {
    const id = stream();
    await subject.store.append([{ streamId: id, expectedVersion: 0, events: [newEvent(), newEvent()] }]);
    for (const expectedVersion of [0, 1, 3]) {
      await expect(subject.store.append([{ streamId: id, expectedVersion, events: [newEvent()] }])).rejects.toBeInstanceOf(
        WrongExpectedVersionError,
      );
    }
    expect(await subject.store.readStream(id)).toHaveLength(2);
    await subject.store.append([{ streamId: id, expectedVersion: 2, events: [newEvent()] }]);
    expect(await subject.store.readStream(id)).toHaveLength(3);
  });

  it('lets exactly one of many concurrent writers at the same expected version win', async () => {
    const id = stream();
    await subject.store.append([{ streamId: id, expectedVersion: 0, events: [newEvent()] }]);
    const attempts = await Promise.allSettled(
      Array.from({ length: 20 }, () => subject.store.append([{ streamId: id, expectedVersion: 1, events: [newEvent()] }])),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const failed of attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected')) {
      expect(failed.reason).toBeInstanceOf(WrongExpectedVersionError);
    }
    expect(await subject.store.readStream(id)).toHaveLength(2);
  });

  it('appends to several streams atomically: one stale stream means nothing is written', async () => {
    const a = stream();
    const b = stream();
    await subject.store.append([{ streamId: a, expectedVersion: 0, events: [newEvent()] }]);
    await expect(
      subject.store.append([
        { streamId: a, expectedVersion: 1, events: [newEvent()] },
        { streamId: b, expectedVersion: 5, events: [newEvent()] },
      ]),
    ).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect(await subject.store.readStream(a)).toHaveLength(1);
    expect(await subject.store.readStream(b)).toHaveLength(0);

    const result = await subject.store.append([
      { streamId: a, expectedVersion: 1, events: [newEvent()] },
      { streamId: b, expectedVersion: 0, events: [newEvent(), newEvent()] },
    ]);
    expect(result.streamVersions).toEqual({ [a]: 2, [b]: 2 });
  });

  it('checks an asserted stream (a write without events) in the same append and writes nothing to it', async () => {
    const written = stream();
    const read = stream();
    await subject.store.append([{ streamId: read, expectedVersion: 0, events: [newEvent()] }]);
    const result = await subject.store.append([
      { streamId: written, expectedVersion: 0, events: [newEvent()] },
      { streamId: read, expectedVersion: 1, events: [] },
    ]);
    expect(result.streamVersions).toEqual({ [written]: 1 });
    expect(await subject.store.readStream(read)).toHaveLength(1);

    await subject.store.append([{ streamId: read, expectedVersion: 1, events: [newEvent()] }]); // the read stream moves on
    await expect(
      subject.store.append([
        { streamId: written, expectedVersion: 1, events: [newEvent()] },
        { streamId: read, expectedVersion: 1, events: [] },
      ]),
    ).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect(await subject.store.readStream(written)).toHaveLength(1);
    // A stream asserted to be absent (version 0) conflicts once it exists.
    await expect(
      subject.store.append([
        { streamId: written, expectedVersion: 1, events: [newEvent()] },
        { streamId: read, expectedVersion: 0, events: [] },
      ]),
    ).rejects.toBeInstanceOf(WrongExpectedVersionError);
  });

  it('never lets two concurrent appends that each assert the stream the other writes both succeed (no write skew)', async () => {
    const other = await subject.secondStore();
    let bothWon = 0;
    let oneWon = 0;
    for (let round = 0; round < 40; round++) {
      const x = stream('skew');
      const y = stream('skew');
      await subject.store.append([
        { streamId: x, expectedVersion: 0, events: [newEvent()] },
        { streamId: y, expectedVersion: 0, events: [newEvent()] },
      ]);
      const [first, second] = await Promise.allSettled([
        subject.store.append([
          { streamId: x, expectedVersion: 1, events: [newEvent()] },
          { streamId: y, expectedVersion: 1, events: [] },
        ]),
        other.append([
          { streamId: y, expectedVersion: 1, events: [newEvent()] },
          { streamId: x, expectedVersion: 1, events: [] },
        ]),
      ]);
      const won = [first, second].filter((a) => a.status === 'fulfilled').length;
      for (const failed of [first, second].filter((a): a is PromiseRejectedResult => a.status === 'rejected')) {
        expect(failed.reason).toBeInstanceOf(WrongExpectedVersionError);
      }
      if (won === 2) bothWon++;
      if (won === 1) oneWon++;
    }
    expect(bothWon).toBe(0);
    expect(oneWon).toBe(40);
  });

  it('treats a retried append (same event ids) as done, without duplicating events', async () => {
    const id = stream();
    const write = { streamId: id, expectedVersion: 0, events: [newEvent(), newEvent()] };
    const first = await subject.store.append([write]);
    const retry = await subject.store.append([write]);
    expect(retry.lastPosition).toEqual(first.lastPosition);
    expect(retry.streamVersions).toEqual(first.streamVersions);
    expect(await subject.store.readStream(id)).toHaveLength(2);
  });

  it('reads all events in global order after a position, in pages', async () => {
    const head = (await readEverything(subject.store)).at(-1)?.position ?? START;
    const id = stream();
    await subject.store.append([{ streamId: id, expectedVersion: 0, events: [newEvent('X', { i: 1 })] }]);
    await subject.store.append([{ streamId: id, expectedVersion: 1, events: [newEvent('X', { i: 2 }), newEvent('X', { i: 3 })] }]);
    const page = await subject.store.readAll(head, 2);
    expect(page.map((e) => (e.data as any).i)).toEqual([1, 2]);
    const rest = await subject.store.readAll(page[1].position, 10);
    expect(rest.map((e) => (e.data as any).i)).toEqual([3]);
    expect(await subject.store.readAll(rest[0].position, 10)).toEqual([]);
  });

  it('never lets a subscriber skip an event while many writers commit concurrently', async () => {
    const head = (await readEverything(subject.store)).at(-1)?.position ?? START;
    const writers = [subject.store, await subject.secondStore()];
    const written = new Set<string>();
    let writing = true;

    const subscriber = (async () => {
      const seen: StoredEvent[] = [];
      let position = head;
      for (;;) {
        const done = !writing;
        const batch = await subject.store.readAll(position, 50);
        seen.push(...batch);
        if (batch.length) position = batch[batch.length - 1].position;
        else if (done) return seen;
      }
    })();

    await Promise.all(
      Array.from({ length: 32 }, async (_, worker) => {
        const store = writers[worker % writers.length];
        for (let i = 0; i < 15; i++) {
          const events = Array.from({ length: 1 + (i % 3) }, () => newEvent('Concurrent', { worker, i }));
          await store.append([{ streamId: stream('race'), expectedVersion: 0, events }]);
          events.forEach((e) => written.add(e.eventId));
        }
      }),
    );
    writing = false;
    const seen = await subscriber;

    const seenIds = seen.map((e) => e.eventId);
    expect(new Set(seenIds).size).toBe(seenIds.length); // no duplicates
    expect(seenIds.filter((id) => written.has(id)).length).toBe(written.size); // nothing skipped
    const finalOrder = (await readEverything(subject.store, head)).map((e) => e.eventId);
    expect(seenIds).toEqual(finalOrder); // the live order is the replay order
    for (let i = 1; i < seen.length; i++) expect(comparePositions(seen[i - 1].position, seen[i].position)).toBe(-1);
  });
}
