import { ConnectorError } from './connector-error';
import { DEFAULT_PAUSE_MS, ConnectorPace } from './pace';

/** Start times of `n` requests sent at once through the pace. */
async function starts(pace: ConnectorPace, n: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      await pace.beforeRequest();
      return Date.now();
    }),
  );
}

describe('ConnectorPace', () => {
  it('spaces requests evenly at the rate, in the order they asked', async () => {
    const t0 = Date.now();
    const times = await starts(new ConnectorPace(20), 5);
    // The i-th request may start late (a busy machine), never before its turn at i × 50 ms
    // (timers may fire a millisecond early).
    times.forEach((at, i) => expect(at - t0).toBeGreaterThanOrEqual(i * 50 - 2));
  });

  it('lets everything through at once without a rate', async () => {
    const times = await starts(new ConnectorPace(null), 20);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(40);
  });

  it('refuses every request, retriably, while the target asked to wait', async () => {
    const pace = new ConnectorPace();
    pace.afterResponse(429, 300);
    const error = await pace.beforeRequest().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: 'TARGET_PAUSED', retriable: true });
    expect((error as ConnectorError).retryAfterMs).toBeGreaterThan(200);
    expect((error as ConnectorError).retryAfterMs).toBeLessThanOrEqual(300);
    await new Promise((r) => setTimeout(r, 310));
    await expect(pace.beforeRequest()).resolves.toBeUndefined();
  });

  it('pauses for a default second on a 429 without Retry-After, and not for other errors', async () => {
    const pace = new ConnectorPace();
    pace.afterResponse(500, null);
    await expect(pace.beforeRequest()).resolves.toBeUndefined();
    pace.afterResponse(429, null);
    const error = (await pace.beforeRequest().catch((e: unknown) => e)) as ConnectorError;
    expect(error.retryAfterMs).toBeGreaterThan(DEFAULT_PAUSE_MS - 100);
  });

  it('keeps the longer pause when a shorter one follows', async () => {
    const pace = new ConnectorPace();
    pace.afterResponse(503, 5000);
    pace.afterResponse(429, 100);
    const error = (await pace.beforeRequest().catch((e: unknown) => e)) as ConnectorError;
    expect(error.retryAfterMs).toBeGreaterThan(4000);
  });
});
