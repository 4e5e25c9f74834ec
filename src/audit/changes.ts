// What a change did, field by field, for its audit entry: plain values old and new, secrets only
// whether they changed or were cleared — their values never reach this module's output.
import type { FieldChange } from './audit-entry.entity';

type Values = Readonly<Record<string, unknown>>;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The fields whose values differ (a field missing on one side counts as null), in order. */
export function plainChanges(before: Values, after: Values): FieldChange[] {
  const fields = [...new Set([...Object.keys(after), ...Object.keys(before)])];
  return fields
    .filter((field) => !same(before[field], after[field]))
    .map((field) => ({ field, old: before[field] ?? null, new: after[field] ?? null }));
}

/** Secrets that were set or given a new value (`changed`) or removed (`cleared`). */
export function secretChanges(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): FieldChange[] {
  const fields = [...new Set([...Object.keys(after), ...Object.keys(before)])];
  return fields.flatMap((field): FieldChange[] => {
    if (!Object.hasOwn(after, field)) return [{ field, secret: 'cleared' }];
    if (before[field] !== after[field]) return [{ field, secret: 'changed' }];
    return [];
  });
}
