// Offsets this process handled but could not commit yet (an earlier event of the partition is still
// retrying). When that batch is handed back and fetched again, these are skipped rather than
// provisioned a second time. Lost on restart, where at-least-once and idempotent links take over.

export class HandledOffsets {
  private readonly byPartition = new Map<string, Set<string>>();

  private of(topic: string, partition: number): Set<string> {
    const key = `${topic}/${partition}`;
    let offsets = this.byPartition.get(key);
    if (!offsets) this.byPartition.set(key, (offsets = new Set()));
    return offsets;
  }

  has(topic: string, partition: number, offset: string): boolean {
    return this.byPartition.get(`${topic}/${partition}`)?.has(offset) ?? false;
  }

  add(topic: string, partition: number, offset: string): void {
    this.of(topic, partition).add(offset);
  }

  /** After a rebalance: another member may have consumed these partitions since. */
  clear(): void {
    this.byPartition.clear();
  }

  /** Forgets what the commit now covers: everything up to `offset`. */
  committed(topic: string, partition: number, offset: string): void {
    const offsets = this.byPartition.get(`${topic}/${partition}`);
    if (!offsets) return;
    const upTo = BigInt(offset);
    for (const o of offsets) if (BigInt(o) <= upTo) offsets.delete(o);
  }
}
