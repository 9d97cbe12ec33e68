import { Lease } from './lease';
import { LeasedInterval } from './leased-interval';

class FakeLease implements Lease {
  held = false;
  available = true;
  releases = 0;
  async tryAcquire(): Promise<boolean> {
    if (this.available) this.held = true;
    return this.held;
  }
  async release(): Promise<void> {
    this.held = false;
    this.releases++;
  }
}

describe('LeasedInterval', () => {
  const logger = { error: jest.fn() };
  beforeEach(() => {
    jest.useFakeTimers();
    logger.error.mockReset();
  });
  afterEach(() => jest.useRealTimers());

  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  it('ticks at start and every interval while it holds the lease; stop ends it and releases the lease', async () => {
    const lease = new FakeLease();
    const tick = jest.fn(async () => undefined);
    const loop = new LeasedInterval(lease, { intervalMs: 1000, tick, logger, failure: 'Job failed' });
    loop.start();
    loop.start(); // one interval, not two
    await settle();
    expect(tick).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(3000);
    expect(tick).toHaveBeenCalledTimes(4);
    await loop.stop();
    expect(lease.held).toBe(false);
    expect(lease.releases).toBe(1);
    await jest.advanceTimersByTimeAsync(5000);
    expect(tick).toHaveBeenCalledTimes(4);
  });

  it('does nothing where another instance holds the lease', async () => {
    const lease = new FakeLease();
    lease.available = false;
    const tick = jest.fn(async () => undefined);
    const loop = new LeasedInterval(lease, { intervalMs: 1000, tick, logger, failure: 'Job failed' });
    await loop.runTick();
    expect(tick).not.toHaveBeenCalled();
    lease.available = true;
    await loop.runTick();
    expect(tick).toHaveBeenCalledTimes(1);
  });

  it('skips a tick while the previous one runs, and logs a failure without throwing', async () => {
    let finish: () => void = () => undefined;
    const tick = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const loop = new LeasedInterval(new FakeLease(), { intervalMs: 1000, tick, logger, failure: 'Job failed' });
    const first = loop.runTick();
    await settle();
    await loop.runTick(); // still running: skipped
    expect(tick).toHaveBeenCalledTimes(1);
    finish();
    await first;

    const failing = new LeasedInterval(new FakeLease(), { intervalMs: 1000, tick: async () => Promise.reject(new Error('boom')), logger, failure: 'Job failed' });
    await expect(failing.runTick()).resolves.toBeUndefined();
    expect(logger.error).toHaveBeenCalledWith('Job failed: Error: boom');
    await failing.runTick(); // not stuck "running" after a failure
    expect(logger.error).toHaveBeenCalledTimes(2);
  });

  it('stop waits for a running tick, then releases the lease', async () => {
    let finish: () => void = () => undefined;
    const lease = new FakeLease();
    const loop = new LeasedInterval(lease, { intervalMs: 1000, tick: () => new Promise<void>((resolve) => (finish = resolve)), logger, failure: 'Job failed' });
    void loop.runTick();
    await settle();
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false); // the tick still runs: the lease stays held
    expect(lease.held).toBe(true);
    finish();
    await stopping;
    expect(lease.held).toBe(false);
  });

  it('a tick still taking the lease when stop is called runs nothing, and the lease ends released', async () => {
    let grant: (held: boolean) => void = () => undefined;
    const lease = new FakeLease();
    lease.tryAcquire = () =>
      new Promise<boolean>((resolve) => {
        grant = (held) => {
          lease.held = held;
          resolve(held);
        };
      });
    const tick = jest.fn(async () => undefined);
    const loop = new LeasedInterval(lease, { intervalMs: 1000, tick, logger, failure: 'Job failed' });
    void loop.runTick();
    await settle();
    const stopping = loop.stop();
    grant(true); // the lease arrives after stop() began
    await stopping;
    expect(tick).not.toHaveBeenCalled();
    expect(lease.held).toBe(false);
    await loop.runTick(); // stopped: no more ticks
    expect(tick).not.toHaveBeenCalled();
  });
});
