import { ConnectorError } from './connector-error';
import { parseRetryAfter } from './http';
import { backoffDelay, withRetry } from './retry';

const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

describe('withRetry', () => {
  it('retries retriable errors until the task succeeds', async () => {
    let calls = 0;
    const result = await withRetry(async () => {
      calls += 1;
      if (calls < 3) throw new ConnectorError('busy', 'HTTP_503', true, 503);
      return 'done';
    }, fast);
    expect(result).toEqual({ value: 'done', attempts: 3 });
  });

  it('stops at once on a permanent error and reports the attempts', async () => {
    let calls = 0;
    const failing = withRetry(async () => {
      calls += 1;
      throw new ConnectorError('bad request', 'HTTP_400', false, 400);
    }, fast);
    await expect(failing).rejects.toMatchObject({ code: 'HTTP_400', attempts: 1 });
    expect(calls).toBe(1);
  });

  it('gives up after the configured attempts', async () => {
    const failing = withRetry(async () => {
      throw new ConnectorError('down', 'NETWORK_ERROR', true);
    }, fast);
    await expect(failing).rejects.toMatchObject({ attempts: 3 });
  });
});

describe('backoffDelay', () => {
  const options = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

  it('grows exponentially with jitter within [ceiling/2, ceiling], capped', () => {
    for (let i = 0; i < 50; i++) {
      const d3 = backoffDelay(3, options, null);
      expect(d3).toBeGreaterThanOrEqual(200);
      expect(d3).toBeLessThanOrEqual(400);
      expect(backoffDelay(10, options, null)).toBeLessThanOrEqual(1000);
    }
  });

  it('honours Retry-After, within the cap', () => {
    expect(backoffDelay(1, options, 700)).toBe(700);
    expect(backoffDelay(1, options, 60_000)).toBe(1000);
  });

  it('parses Retry-After seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(null)).toBeNull();
    const inFive = new Date(Date.now() + 5000).toUTCString();
    expect(parseRetryAfter(inFive)).toBeGreaterThan(3000);
  });
});
