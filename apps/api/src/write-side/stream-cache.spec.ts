import { StoredEvent } from '@punchcard/event-store';
import { StreamCache } from './stream-cache';

const events = (streamId: string, n: number, from = 1): StoredEvent[] =>
  Array.from({ length: n }, (_, i) => ({ streamId, streamVersion: from + i }) as StoredEvent);

describe('StreamCache', () => {
  it('keeps a stream as read, and an empty one (an unknown stream) too', () => {
    const cache = new StreamCache();
    cache.put('a', events('a', 2));
    cache.put('b', []);
    expect(cache.get('a')).toHaveLength(2);
    expect(cache.get('b')).toEqual([]);
    expect(cache.get('c')).toBeUndefined();
    expect(cache.size).toEqual({ streams: 2, events: 2 });
  });

  it('extends a stream with what was appended only if it was read at the version appended from', () => {
    const cache = new StreamCache();
    const read = events('a', 2);
    cache.put('a', read);
    cache.extend('a', read, 2, events('a', 1, 3));
    expect(cache.get('a')!.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    cache.extend('a', read, 3, events('a', 1, 4)); // read at 2, not 3: drop it rather than guess
    expect(cache.get('a')).toBeUndefined();
  });

  it('does not keep a stream longer than 500 events', () => {
    const cache = new StreamCache();
    cache.put('long', events('long', 501));
    expect(cache.get('long')).toBeUndefined();
    cache.put('edge', events('edge', 500));
    expect(cache.get('edge')).toHaveLength(500);
  });

  it('holds at most 100,000 events, dropping the least recently used streams first', () => {
    const cache = new StreamCache();
    for (let i = 0; i < 250; i++) cache.put(`s${i}`, events(`s${i}`, 400)); // 100,000 events
    expect(cache.size).toEqual({ streams: 250, events: 100_000 });
    cache.get('s0'); // used: now the most recent
    cache.put('new', events('new', 400));
    expect(cache.get('s1')).toBeUndefined(); // the least recently used went
    expect(cache.get('s0')).toHaveLength(400);
    expect(cache.size).toEqual({ streams: 250, events: 100_000 });
  });

  it('forgets a stream', () => {
    const cache = new StreamCache();
    cache.put('a', events('a', 3));
    cache.forget('a');
    cache.forget('never-kept');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toEqual({ streams: 0, events: 0 });
  });
});
