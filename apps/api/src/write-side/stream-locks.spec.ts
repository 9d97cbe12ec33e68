import { StreamLocks } from './stream-locks';

describe('StreamLocks', () => {
  it('lets one holder per key at a time, in arrival order, and forgets released keys', async () => {
    const locks = new StreamLocks();
    const order: string[] = [];
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const release = await locks.acquire(['package-1']);
        inside++;
        most = Math.max(most, inside);
        order.push(`in ${i}`);
        await Promise.resolve();
        inside--;
        release();
      }),
    );
    expect(most).toBe(1);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => `in ${i}`));
    expect(locks.size).toBe(0);
  });

  it('takes several keys in sorted order, so holders of overlapping sets never wait for each other in a circle', async () => {
    const locks = new StreamLocks();
    const held: string[] = [];
    await Promise.all(
      [['b', 'a'], ['a', 'b'], ['c', 'b', 'a', 'a'], ['b']].map(async (keys, i) => {
        const release = await locks.acquire(keys);
        held.push(String(i));
        await new Promise((resolve) => setImmediate(resolve));
        release();
        release(); // releasing twice is harmless
      }),
    );
    expect(held.sort()).toEqual(['0', '1', '2', '3']);
    expect(locks.size).toBe(0);
  });

  it('does not hold back other keys', async () => {
    const locks = new StreamLocks();
    const releaseA = await locks.acquire(['a']);
    const releaseB = await locks.acquire(['b']);
    releaseB();
    releaseA();
    expect(locks.size).toBe(0);
  });

  it('gives up after the timeout holding nothing, and passes its turn on so the waiters behind it still get the keys', async () => {
    const locks = new StreamLocks();
    const first = await locks.acquire(['a']);
    const gaveUp = await locks.acquire(['b', 'a'], 20);
    expect(gaveUp).toBeNull();
    const b = await locks.acquire(['b'], 20); // 'b' was taken and let go again when 'a' timed out
    expect(b).not.toBeNull();
    b!();
    const third = locks.acquire(['a']);
    first();
    (await third)();
    expect(locks.size).toBe(0);
  });
});

