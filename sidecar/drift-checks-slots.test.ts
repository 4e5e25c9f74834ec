// A drift-check batch serves several objects: it must hold a call slot of its own and never the
// object slot of whichever object queued it first, or a paced wait inside it would hand that slot
// to another object while its owner is still converging (and take it back from someone else).
import { sleepWithoutSlot } from '../src/common/held-slot';
import type { Provisioner } from '../src/connector-types/connector-type';
import { DriftChecks } from '../src/provisioning/drift-checks';
import type { ProvisioningUser } from '../src/provisioning/claims';
import { ConcurrencyLimit } from './keyed-scheduler';

const user = { id: 'u1', username: 'u1', claims: new Map() } as unknown as ProvisioningUser;

it("keeps a paced wait inside a batch from handing out its first caller's object slot", async () => {
  const objects = new ConcurrencyLimit(1);
  const calls = new ConcurrencyLimit(1);
  const checks = new DriftChecks(calls);
  const order: string[] = [];
  const provisioner = {
    async compareUsers(items: readonly unknown[]) {
      await sleepWithoutSlot(50); // the connector's pace
      return items.map(() => 'same' as const);
    },
  } as unknown as Provisioner;
  const first = objects.run(async () => {
    await checks.compare(provisioner, 'r1', user);
    order.push('first object done');
  });
  await new Promise((resolve) => setImmediate(resolve));
  const second = objects.run(async () => void order.push('second object started'));
  await Promise.all([first, second]);
  expect(order).toEqual(['first object done', 'second object started']);
});
