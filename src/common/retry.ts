// The one retry helper: exponential backoff with full jitter, Retry-After honoured, only for
// errors marked retriable.
import { ConnectorError } from './connector-error';

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  onRetry?: (error: ConnectorError, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 4, baseDelayMs: 200, maxDelayMs: 10_000 };

export function backoffDelay(
  attempt: number,
  options: RetryOptions,
  retryAfterMs: number | null,
): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, options.maxDelayMs);
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Runs `task` until it succeeds, throws a non-retriable error, or uses up its attempts. */
export async function withRetry<T>(
  task: (attempt: number) => Promise<T>,
  options: RetryOptions = DEFAULT_RETRY,
): Promise<{ value: T; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await task(attempt), attempts: attempt };
    } catch (error) {
      const retriable = error instanceof ConnectorError && error.retriable;
      if (!retriable || attempt >= options.attempts) {
        throw Object.assign(error as Error, { attempts: attempt });
      }
      const delay = backoffDelay(attempt, options, error.retryAfterMs);
      options.onRetry?.(error, attempt, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
