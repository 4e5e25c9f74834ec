import { sleepWithoutSlot } from '../src/common/held-slot';
import { ConcurrencyLimit, KeyedScheduler } from './keyed-scheduler';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function harness(max = 10) {
  const started: string[] = [];
  const release = new Map<string, () => void>();
  const limit = new ConcurrencyLimit(max);
  const scheduler = new KeyedScheduler(new Map(), (m: { offset: string; key: string | string[] }) =>
    limit.run(() => {
      started.push(m.offset);
      return new Promise<boolean>((resolve) =>
        release.set(m.offset, () => resolve(m.offset !== 'abandon')),
      );
    }),
  );
  return { scheduler, started, release };
}

it('runs messages with the same key one after another, in offset order', async () => {
  const { scheduler, started, release } = harness();
  for (const [offset, key] of [
    ['0', 'a'],
    ['1', 'a'],
    ['2', 'a'],
  ])
    void scheduler.add({ offset, key });
  await tick();
  expect(started).toEqual(['0']);
  release.get('0')!();
  await tick();
  await tick();
  expect(started).toEqual(['0', '1']);
});

it('runs different keys in parallel, up to the shared limit', async () => {
  const { scheduler, started, release } = harness(2);
  for (const [offset, key] of [
    ['0', 'a'],
    ['1', 'b'],
    ['2', 'c'],
  ])
    void scheduler.add({ offset, key });
  await tick();
  expect(started).toEqual(['0', '1']);
  release.get('1')!();
  await tick();
  await tick();
  expect(started).toEqual(['0', '1', '2']);
});

it('commits only up to the first unfinished offset', async () => {
  const { scheduler, release } = harness();
  const done = [
    ['0', 'a'],
    ['1', 'b'],
    ['2', 'c'],
  ].map(([offset, key]) => scheduler.add({ offset, key }));
  await tick();
  release.get('1')!();
  release.get('2')!();
  await Promise.all([done[1], done[2]]);
  expect(scheduler.committable()).toBeNull();
  release.get('0')!();
  await done[0];
  expect(scheduler.committable()).toBe('2');
  expect(scheduler.incomplete).toBe(false);
});

it('never commits past a message that was not handled (shutdown)', async () => {
  const { scheduler, release } = harness();
  const done = [
    ['0', 'a'],
    ['abandon', 'b'],
    ['2', 'c'],
  ].map(([offset, key]) => scheduler.add({ offset, key }));
  await tick();
  for (const offset of ['0', 'abandon', '2']) release.get(offset)!();
  await Promise.all(done);
  expect(scheduler.committable()).toBe('0');
});

it('holds back the later messages of a key whose message was not handled', async () => {
  const { scheduler, started, release } = harness();
  const done = [
    ['abandon', 'a'],
    ['1', 'a'],
  ].map(([offset, key]) => scheduler.add({ offset, key }));
  await tick();
  release.get('abandon')!();
  await Promise.all(done);
  expect(started).toEqual(['abandon']);
  expect(scheduler.incomplete).toBe(true);
});

it('runs a message with two keys after the earlier messages of both', async () => {
  const { scheduler, started, release } = harness();
  void scheduler.add({ offset: '0', key: 'user' });
  void scheduler.add({ offset: '1', key: 'group' });
  void scheduler.add({ offset: '2', key: ['user', 'group'] });
  await tick();
  expect(started).toEqual(['0', '1']);
  release.get('0')!();
  await tick();
  await tick();
  expect(started).toEqual(['0', '1']);
  release.get('1')!();
  await tick();
  await tick();
  expect(started).toEqual(['0', '1', '2']);
});

it("gives a slot back while its task waits for a connector's pace, and takes one again after", async () => {
  const limit = new ConcurrencyLimit(1);
  const order: string[] = [];
  const paced = limit.run(async () => {
    order.push('paced: first call');
    await sleepWithoutSlot(200);
    order.push('paced: second call');
  });
  await tick();
  // The only slot is free while the paced task sleeps: another connector's task runs meanwhile.
  await limit.run(async () => {
    order.push('other connector');
  });
  await paced;
  expect(order).toEqual(['paced: first call', 'other connector', 'paced: second call']);
});

it('never runs more tasks than the limit, with tasks sleeping and waking', async () => {
  const limit = new ConcurrencyLimit(2);
  let working = 0;
  let most = 0;
  const work = async () => {
    most = Math.max(most, ++working);
    await tick();
    working--;
  };
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      limit.run(async () => {
        await work();
        await sleepWithoutSlot(5 + (i % 3));
        await work();
      }),
    ),
  );
  expect(most).toBe(2);
});

it('takes one slot back for two sleepers of one task that wake together', async () => {
  const limit = new ConcurrencyLimit(1);
  await limit.run(() => Promise.all([sleepWithoutSlot(20), sleepWithoutSlot(20)]));
  // Had the task taken two slots and given back one, this would never start.
  await expect(limit.run(async () => 'next')).resolves.toBe('next');
});

it('hands back the event slot as well as the call slot while a paced call sleeps', async () => {
  const events = new ConcurrencyLimit(1);
  const calls = new ConcurrencyLimit(1);
  const order: string[] = [];
  const paced = events.run(() =>
    calls.run(async () => {
      order.push('paced: first call');
      await sleepWithoutSlot(200);
      order.push('paced: second call');
    }),
  );
  await tick();
  // Another connector's event takes both slots while the paced one sleeps, in the same order.
  await events.run(() => calls.run(async () => void order.push('other connector')));
  await paced;
  expect(order).toEqual(['paced: first call', 'other connector', 'paced: second call']);
});
