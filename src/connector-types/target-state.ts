// How a target's copy of a user compares with what we would send: a sync reads the target so that
// drift there (a user deleted or edited by someone else) is repaired, not assumed away.

/** The target's copy: missing, as we would send it, or different. */
export type TargetState = 'gone' | 'same' | 'changed';

/**
 * Whether `actual` holds everything in `sent`: every key of an object (targets add their own, such
 * as ids and meta), every element of an array somewhere in the target's array (order is the
 * target's), and equal values. Keys we never read back (passwords) are left out by the caller.
 */
export function holds(sent: unknown, actual: unknown): boolean {
  if (Array.isArray(sent))
    return Array.isArray(actual) && sent.every((s) => actual.some((a) => holds(s, a)));
  if (sent !== null && typeof sent === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const target = actual as Record<string, unknown>;
    return Object.entries(sent).every(
      ([key, value]) =>
        value === undefined || (Object.hasOwn(target, key) && holds(value, target[key])),
    );
  }
  return sent === actual;
}

export function stateOf(sent: unknown, actual: unknown): TargetState {
  return holds(sent, actual) ? 'same' : 'changed';
}
