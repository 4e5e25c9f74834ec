// What a connector last sent for a user or group, kept as a hash with its link. An update whose
// representation hashes the same would change nothing at the target, so it is skipped without a
// call. The hash covers everything a payload is built from: the connector's type and settings, the
// identity provider's name and claim mappings (the snapshot's fingerprint) and the object itself.
import { createHash } from 'node:crypto';
import type { Connector } from '../connector/connector.entity';
import { GROUPS_CLAIM, ROLES_CLAIM, type ProvisioningGroup, type ProvisioningUser } from './claims';
import type { IdpSnapshot } from './idp-snapshot';

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

function digest(connector: Connector, snapshot: IdpSnapshot, object: unknown): string {
  const settings = Object.entries(connector.config).sort(byKey);
  return createHash('sha256')
    .update(JSON.stringify([connector.type, settings, snapshot.fingerprint, object]))
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
