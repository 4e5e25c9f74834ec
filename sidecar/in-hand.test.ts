import { InHandLimit } from './in-hand';

const never = new AbortController().signal;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('InHandLimit', () => {
  it('takes messages in while their weight fits, and the next ones as weight is released', async () => {
    const limit = new InHandLimit(100);
    const first = await limit.take(60, never);
    const second = await limit.take(40, never);
    expect(limit.inHand).toBe(100);
    const taken: (() => void)[] = [];
    void limit.take(30, never).then((release) => taken.push(release!));
    await tick();
    expect(taken).toHaveLength(0);
    first!();
    await tick();
    expect(taken).toHaveLength(1);
    expect(limit.inHand).toBe(70);
    second!();
    taken[0]();
    expect(limit.inHand).toBe(0);
  });

  it('keeps the order messages came in: a light one waits behind a heavy one', async () => {
    const limit = new InHandLimit(100);
    const held = await limit.take(90, never);
    const order: string[] = [];
    const heavy = limit.take(50, never).then((r) => (order.push('heavy'), r));
    const light = limit.take(5, never).then((r) => (order.push('light'), r));
    await tick();
    expect(order).toEqual([]);
    held!();
    await Promise.all([heavy, light]);
    expect(order).toEqual(['heavy', 'light']);
  });

  it('lets a message heavier than the whole capacity go alone', async () => {
    const limit = new InHandLimit(100);
    const huge = await limit.take(500, never);
    expect(limit.inHand).toBe(100);
    huge!();
    expect(limit.inHand).toBe(0);
  });

  it('takes nothing in once the batch is abandoned, and lets those behind go', async () => {
    const limit = new InHandLimit(100);
    const held = await limit.take(80, never);
    const batch = new AbortController();
    const abandoned = limit.take(50, batch.signal);
    const other = limit.take(10, never);
    batch.abort();
    expect(await abandoned).toBeNull();
    expect(await other).not.toBeNull();
    expect(limit.inHand).toBe(90);
    expect(await limit.take(1, batch.signal)).toBeNull();
    held!();
  });

  it('counts a release once, however often it is called', async () => {
    const limit = new InHandLimit(10);
    const release = await limit.take(4, never);
    release!();
    release!();
    expect(limit.inHand).toBe(0);
  });
});
