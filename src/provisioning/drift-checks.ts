// A sync's drift check reads every linked user at its target. The checks of one connector asked
// in the same tick go out together (up to 50 a read) where the target can find several users at
// once, each batch as one call in a target-call slot; other targets are read one user a call.
import { withoutSlots, type CallGate } from '../common/held-slot';
import type { Provisioner, UserToCompare } from '../connector-types/connector-type';
import type { TargetState } from '../connector-types/target-state';
import type { ProvisioningUser } from './claims';

/** Users a batch reads at once: about 3 KB of filter in the URL. */
const BATCH = 50;

interface Pending extends UserToCompare {
  resolve(state: TargetState): void;
  reject(error: unknown): void;
}

export class DriftChecks {
  private readonly pending = new Map<Provisioner, Pending[]>();

  constructor(private readonly gate: CallGate) {}

  /** How the target's copy compares with what would be sent now. */
  compare(
    provisioner: Provisioner,
    remoteId: string,
    user: ProvisioningUser,
  ): Promise<TargetState> {
    if (!provisioner.compareUsers)
      return this.gate.run(() => provisioner.compareUser!(remoteId, user));
    return new Promise((resolve, reject) => {
      let queue = this.pending.get(provisioner);
      if (!queue) {
        this.pending.set(provisioner, (queue = []));
        // A batch holds a call slot of its own, never the first caller's object slot.
        setImmediate(() => withoutSlots(() => this.flush(provisioner)));
      }
      queue.push({ remoteId, user, resolve, reject });
    });
  }

  private flush(provisioner: Provisioner): void {
    const queue = this.pending.get(provisioner) ?? [];
    this.pending.delete(provisioner);
    for (let i = 0; i < queue.length; i += BATCH) {
      const batch = queue.slice(i, i + BATCH);
      this.gate
        .run(() => provisioner.compareUsers!(batch))
        .then(
          (states) => batch.forEach((p, k) => p.resolve(states[k])),
          (error: unknown) => batch.forEach((p) => p.reject(error)),
        );
    }
  }
}
