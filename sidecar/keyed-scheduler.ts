// Runs one partition's messages: same key one after another, in offset order; different keys in
// parallel, up to a limit shared with the other partitions. It tells which offset may be committed:
// the highest one with everything before it in the partition handled.

/** A small counting semaphore shared by all partitions (SIDECAR_CONCURRENCY). */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  get inFlight(): number {
    return this.active;
  }
}

export interface ScheduledMessage {
  offset: string;
  key: string;
}

export class KeyedScheduler<M extends ScheduledMessage> {
  /** The tail of each key's chain: the next message with that key starts after it. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Offsets taken, in order, and whether each is done. */
  private readonly pending: { offset: string; done: boolean }[] = [];
  private lastCommittable: string | null = null;

  constructor(
    private readonly limit: ConcurrencyLimit,
    /** Resolves true when the message is handled; false leaves it (and all after it) uncommitted. */
    private readonly handle: (message: M) => Promise<boolean>,
  ) {}

  /** Schedules a message; resolves when its handler has finished (handled or not). */
  add(message: M): Promise<void> {
    const entry = { offset: message.offset, done: false };
    this.pending.push(entry);
    const previous = this.chains.get(message.key) ?? Promise.resolve();
    const run = previous.then(() => this.limit.run(() => this.handle(message)));
    const tail: Promise<void> = run.then(
      (handled): void => this.finish(message.key, tail, entry, handled),
      (): void => this.finish(message.key, tail, entry, false),
    );
    this.chains.set(message.key, tail);
    return tail;
  }

  private finish(
    key: string,
    tail: Promise<void>,
    entry: { done: boolean },
    handled: boolean,
  ): void {
    entry.done = handled;
    if (this.chains.get(key) === tail) this.chains.delete(key);
    while (this.pending.length && this.pending[0].done)
      this.lastCommittable = this.pending.shift()!.offset;
  }

  /** The highest offset with everything up to it handled (commit offset + 1), or null. */
  committable(): string | null {
    return this.lastCommittable;
  }

  /** Messages taken but not yet handled. */
  get backlog(): number {
    return this.pending.length;
  }
}
