// Runs messages so that the same key goes one after another, in offset order — across all
// partitions of this process, since unkeyed messages of one user can land on several — and
// different keys run in parallel. Per batch it tells which offset may be committed: the highest
// one with everything before it in the partition handled.
import { runInSlot, type Slot } from '../src/common/held-slot';

/**
 * A counting semaphore (SIDECAR_CONCURRENCY): held per call to the targets, not while waiting.
 * A task that sleeps through sleepWithoutSlot (a connector's pace) gives its slot back meanwhile.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.take();
    let held = true;
    // Sleepers of one task waking together share one take(), so the task never holds two slots.
    let acquiring: Promise<void> | null = null;
    const slot: Slot = {
      release: () => {
        if (!held) return;
        held = false;
        this.give();
      },
      acquire: () => {
        if (held) return Promise.resolve();
        acquiring ??= this.take().then(() => {
          held = true;
          acquiring = null;
        });
        return acquiring;
      },
    };
    try {
      return await runInSlot(slot, task);
    } finally {
      slot.release();
    }
  }

  private async take(): Promise<void> {
    if (this.active < this.max) this.active++;
    // A released slot is handed straight to the next waiter, so the limit is never overshot.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/** The tail of each key's chain, shared by every partition's scheduler in the process. */
export type KeyChains = Map<string, Promise<void>>;

export interface ScheduledMessage {
  offset: string;
  /** One key, or several (a membership change waits for both its user and its group). */
  key: string | string[];
}

export class KeyedScheduler<M extends ScheduledMessage> {
  /** Offsets taken, in order, and whether each is done. */
  private readonly pending: { offset: string; done: boolean }[] = [];
  /** Keys whose message was not handled: their later messages wait for the next fetch too. */
  private readonly blocked = new Set<string>();
  private lastCommittable: string | null = null;

  constructor(
    private readonly chains: KeyChains,
    /** Resolves true when the message is handled; false (or a throw) leaves it uncommitted. */
    private readonly handle: (message: M) => Promise<boolean>,
    private readonly onError: (error: unknown, message: M) => void = () => undefined,
  ) {}

  /** Schedules a message; resolves when its handler has finished (handled or not). */
  add(message: M): Promise<void> {
    const entry = { offset: message.offset, done: false };
    this.pending.push(entry);
    const keys = Array.isArray(message.key) ? message.key : [message.key];
    const previous = Promise.all(keys.map((key) => this.chains.get(key) ?? Promise.resolve()));
    const run = previous.then(async () => {
      if (keys.some((key) => this.blocked.has(key))) return false;
      try {
        return await this.handle(message);
      } catch (error) {
        this.onError(error, message);
        return false;
      }
    });
    const tail: Promise<void> = run.then((handled): void => {
      if (!handled) keys.forEach((key) => this.blocked.add(key));
      this.finish(keys, tail, entry, handled);
    });
    for (const key of keys) this.chains.set(key, tail);
    return tail;
  }

  private finish(
    keys: string[],
    tail: Promise<void>,
    entry: { done: boolean },
    handled: boolean,
  ): void {
    entry.done = handled;
    for (const key of keys) if (this.chains.get(key) === tail) this.chains.delete(key);
    while (this.pending.length && this.pending[0].done)
      this.lastCommittable = this.pending.shift()!.offset;
  }

  /** The highest offset with everything up to it handled (commit offset + 1), or null. */
  committable(): string | null {
    return this.lastCommittable;
  }

  /** Whether some message of this batch was left unhandled (it will be fetched again). */
  get incomplete(): boolean {
    return this.blocked.size > 0;
  }
}
