// Settings that say how requests travel, not what they carry (SCIM Bulk on or off): changing one
// re-sends nobody, since it is left out of a link's hash, and queues no sync of the connector.
import type { FieldValues } from './connector-type';

const TRANSPORT_ONLY: Record<string, readonly string[]> = {
  'scim-1.1': ['useBulk'],
  'scim-2': ['useBulk'],
};

const byName = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

/** A connector's settings that shape what it sends, in name order. */
export function payloadSettings(type: string, config: FieldValues): [string, string | boolean][] {
  const transport = TRANSPORT_ONLY[type] ?? [];
  return Object.entries(config)
    .filter(([name]) => !transport.includes(name))
    .sort(byName);
}
