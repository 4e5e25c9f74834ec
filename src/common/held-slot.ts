// A wait must never hold a concurrency slot (the sidecar's SIDECAR_CONCURRENCY): a connector
// paced to a few requests a second would otherwise fill every slot with its own waiting calls and
// stop every other connector. The slot a call runs in travels with it (AsyncLocalStorage), so a
// wait deep inside a provisioner can hand the slot back and take one again afterwards.
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Slot {
  release(): void;
  acquire(): Promise<void>;
}

const current = new AsyncLocalStorage<Slot>();

/** Runs the task as the holder of the slot. */
export function runInSlot<T>(slot: Slot, task: () => Promise<T>): Promise<T> {
  return current.run(slot, task);
}

/** Sleeps without holding the caller's slot, if it has one. */
export async function sleepWithoutSlot(ms: number): Promise<void> {
  if (ms <= 0) return;
  const slot = current.getStore();
  slot?.release();
  try {
    await sleep(ms);
  } finally {
    await slot?.acquire();
  }
}
