// One connector's pace: at most `perSecond` requests a second to its target, shared by everything
// in the process that calls it (live events, syncs, replays, the API's test mutation), and a
// pause for the whole connector when the target says 429 or Retry-After. Requests are spaced
// evenly (no bursts), each reserving the next free moment, so waiters go in order. Hand-written:
// the pause for Retry-After and the slot hand-back are the product, not a generic token bucket.
import { ConnectorError } from './connector-error';
import { sleepWithoutSlot } from './held-slot';

/** How long a 429 without Retry-After pauses the connector. */
export const DEFAULT_PAUSE_MS = 1000;

export class ConnectorPace {
  private intervalMs = 0;
  /** The earliest moment the next request may start. */
  private next = 0;
  private pausedUntil = 0;

  constructor(perSecond: number | null = null) {
    this.setRate(perSecond);
  }

  setRate(perSecond: number | null): void {
    this.intervalMs = perSecond ? 1000 / perSecond : 0;
  }

  /**
   * Resolves when this request may go; the wait holds no concurrency slot. While the connector is
   * paused it throws a retriable error carrying the time left, so callers wait as for a 429 of
   * their own (the sidecar hands the message back instead of sitting on its batch).
   */
  async beforeRequest(): Promise<void> {
    await sleepWithoutSlot(this.reserve());
    this.throwIfPaused();
  }

  /**
   * Takes the next free moment for one request and says how many ms away it is, without waiting
   * (a SCIM bulk takes one moment for all its operations); throws while the connector is paused.
   */
  reserve(): number {
    this.throwIfPaused();
    const now = Date.now();
    const at = Math.max(now, this.next);
    if (this.intervalMs) this.next = at + this.intervalMs;
    return at - now;
  }

  throwIfPaused(): void {
    const left = this.pausedUntil - Date.now();
    if (left > 0)
      throw new ConnectorError(
        `the target asked to wait (HTTP 429 or Retry-After): this connector sends nothing for another ${left} ms`,
        'TARGET_PAUSED',
        true,
        null,
        { retryAfterMs: left },
      );
  }

  /** A 429, or any answer with Retry-After, holds back every request of the connector. */
  afterResponse(status: number | null, retryAfterMs: number | null): void {
    if (status !== 429 && retryAfterMs === null) return;
    const until = Date.now() + (retryAfterMs ?? DEFAULT_PAUSE_MS);
    if (until > this.pausedUntil) this.pausedUntil = until;
  }
}
