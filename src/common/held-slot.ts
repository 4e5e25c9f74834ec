// A wait must never hold a concurrency slot (the sidecar's SIDECAR_CONCURRENCY): a connector
// paced to a few requests a second would otherwise fill every slot with its own waiting calls and
// stop every other connector. The slots a call runs in travel with it (AsyncLocalStorage): the
// sidecar's object slot and, inside it, the target-call slot. A wait deep inside a provisioner
// hands them all back and takes them again afterwards, outer first, as they were first taken, so
// no task ever waits for an outer slot while holding an inner one.
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Slot {
  release(): void;
  acquire(): Promise<void>;
}

/** Runs a task within a bound (a ConcurrencyLimit), or straight away where there is none. */
export interface CallGate {
  run<T>(task: () => Promise<T>): Promise<T>;
}

export const NO_GATE: CallGate = { run: (task) => task() };

const current = new AsyncLocalStorage<readonly Slot[]>();

/** Runs the task as the holder of the slot (inside any slots its caller holds). */
export function runInSlot<T>(slot: Slot, task: () => Promise<T>): Promise<T> {
  return current.run([...(current.getStore() ?? []), slot], task);
}

/**
 * Runs a task that serves several callers (a batch) outside the slots of whichever caller queued
 * it first: the batch takes slots of its own, and a wait inside it hands back only those.
 */
export function withoutSlots<T>(task: () => T): T {
  return current.exit(task);
}

/** Sleeps without holding the caller's slots, if it has any. */
export async function sleepWithoutSlot(ms: number): Promise<void> {
  if (ms > 0) await waitWithoutSlot(sleep(ms));
}

/** Waits for something another task does (a turn, a shared read) without holding the caller's slots. */
export async function waitWithoutSlot<T>(done: Promise<T>): Promise<T> {
  const slots = current.getStore() ?? [];
  for (const slot of [...slots].reverse()) slot.release();
  try {
    return await done;
  } finally {
    for (const slot of slots) await slot.acquire();
  }
}
