// Bounds what the sidecar holds of Kafka at once. A fetch brings up to maxBytesPerPartition of
// every partition, and each message taken in becomes parsed objects and a chain of promises
// waiting for a slot: about a hundred times its bytes. A backlog, or a sync's pages of 100 objects,
// would otherwise fill the heap (measured: 13,000 objects in hand, a 112 MB heap out of memory).
// Messages are weighed by the objects they carry and taken in, in offset order, only while the
// weight in hand fits; what is not taken in is fetched again.

export class InHandLimit {
  private used = 0;
  private readonly waiting: { weight: number; grant(): void }[] = [];

  constructor(readonly capacity: number) {}

  /** The weight in hand now. */
  get inHand(): number {
    return this.used;
  }

  /**
   * Resolves with a release once `weight` fits, first come first served; null when the signal
   * aborts first (the message is not taken in). A message heavier than the whole capacity goes
   * alone.
   */
  take(weight: number, signal: AbortSignal): Promise<(() => void) | null> {
    const w = Math.min(Math.max(1, weight), this.capacity);
    if (signal.aborted) return Promise.resolve(null);
    if (!this.waiting.length && this.used + w <= this.capacity) {
      this.used += w;
      return Promise.resolve(this.releaser(w));
    }
    return new Promise((resolve) => {
      const entry = {
        weight: w,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.releaser(w));
        },
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(entry);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve(null);
        this.admit(); // the next in line may fit where this one did not
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private releaser(weight: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= weight;
      this.admit();
    };
  }

  private admit(): void {
    while (this.waiting.length && this.used + this.waiting[0].weight <= this.capacity) {
      const next = this.waiting.shift()!;
      this.used += next.weight;
      next.grant();
    }
  }
}
