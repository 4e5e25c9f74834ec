// What a connector last sent for a user or group, kept as a hash with its link. An update whose
// representation hashes the same would change nothing at the target, so it is skipped without a
// call. The hash covers everything a payload is built from: the connector's type and settings
// (not those saying only how requests travel, such as SCIM Bulk), the identity provider's name and
// claim mappings (the snapshot's fingerprint) and the object itself.
import { createHash } from 'node:crypto';
import type { Connector } from '../connector/connector.entity';
import { payloadSettings } from '../connector-types/transport-settings';
import { GROUPS_CLAIM, ROLES_CLAIM, type ProvisioningGroup, type ProvisioningUser } from './claims';
import type { IdpSnapshot } from './idp-snapshot';

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

/** The hashed text's start, `[type,settings,fingerprint,`, per connector version and snapshot. */
const prefixes = new Map<string, string>();

function digest(connector: Connector, snapshot: IdpSnapshot, object: unknown): string {
  // Only a stored connector (an id and a version) is cached; any other is hashed as it is.
  const key = connector.id && `${connector.id}:${connector.version}:${snapshot.fingerprint}`;
  let prefix = key ? prefixes.get(key) : undefined;
  if (prefix === undefined) {
    const settings = payloadSettings(connector.type, connector.config);
    const whole = JSON.stringify([connector.type, settings, snapshot.fingerprint]);
    prefix = `${whole.slice(0, -1)},`;
    // A handful of live connectors: dropped wholesale now and then rather than tracked.
    if (prefixes.size >= 1000) prefixes.clear();
    if (key) prefixes.set(key, prefix);
  }
  // The same text as JSON.stringify([type, settings, fingerprint, object]): stored hashes hold.
  return createHash('sha256')
    .update(`${prefix}${JSON.stringify(object)}]`)
    .digest('base64url');
}

export function userHash(snapshot: IdpSnapshot, connector: Connector, user: ProvisioningUser) {
  const { username, userStoreDomain, tenantDomain } = user;
  // Group and role claims shape a payload only where something uses them (see usesRoles); the
  // same user read with or without them is the same representation otherwise.
  const claims = [...user.claims]
    .filter(([uri]) => snapshot.usesRoles || (uri !== GROUPS_CLAIM && uri !== ROLES_CLAIM))
    .sort(byKey);
  return digest(connector, snapshot, { username, userStoreDomain, tenantDomain, claims });
}

export function groupHash(snapshot: IdpSnapshot, connector: Connector, group: ProvisioningGroup) {
  return digest(connector, snapshot, { name: group.name, tenantDomain: group.tenantDomain });
}

export const UNCHANGED = 'unchanged: the target already has this representation';
