// Builds the SCIM User resource from local claims and the IdP's claim mappings. Only mappings whose
// remote claim is a SCIM attribute path are used, so a Salesforce mapping never leaks into SCIM.
import {
  EMAIL_CLAIM,
  GIVEN_NAME_CLAIM,
  isDisabled,
  LAST_NAME_CLAIM,
  mapClaims,
  type ProvisioningUser,
  type ClaimMappingRule,
} from '../../provisioning/claims';
import type { ScimDialect } from './scim-dialect';

type Json = Record<string, unknown>;

const CORE_ATTRIBUTES = new Set([
  'name',
  'displayName',
  'nickName',
  'profileUrl',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  'active',
  'emails',
  'phoneNumbers',
  'ims',
  'photos',
  'addresses',
  'externalId',
]);
const MULTI_VALUED = new Set(['emails', 'phoneNumbers', 'ims', 'photos']);

const DEFAULT_RULES: ClaimMappingRule[] = [
  { remoteClaim: 'name.givenName', localClaim: GIVEN_NAME_CLAIM, defaultValue: null },
  { remoteClaim: 'name.familyName', localClaim: LAST_NAME_CLAIM, defaultValue: null },
  { remoteClaim: 'emails', localClaim: EMAIL_CLAIM, defaultValue: null },
];

/** "DOMAIN/name": any existing "X/" prefix is replaced by the configured User Store Domain. */
export function scimUserName(username: string, userStoreDomain: string | undefined): string {
  if (!userStoreDomain) return username;
  const slash = username.indexOf('/');
  return `${userStoreDomain}/${slash >= 0 ? username.slice(slash + 1) : username}`;
}

function isScimPath(path: string): boolean {
  if (path.startsWith('urn:')) return true;
  return CORE_ATTRIBUTES.has(path.split('.')[0]);
}

/** Own properties only: a path segment such as __proto__ becomes a plain key, never a prototype. */
function setOwn(node: Json, key: string, value: unknown): void {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
}

function ownObject(node: Json, key: string): Json {
  const existing = Object.hasOwn(node, key) ? node[key] : undefined;
  if (typeof existing === 'object' && existing !== null && !Array.isArray(existing))
    return existing as Json;
  const created: Json = {};
  setOwn(node, key, created);
  return created;
}

function setPath(target: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = ownObject(node, part);
  setOwn(node, parts[parts.length - 1], value);
}

function scimValue(attribute: string, value: string): unknown {
  if (MULTI_VALUED.has(attribute)) return [{ value, primary: true }];
  if (attribute === 'active') return value === 'true';
  return value;
}

/** The user's SCIM attributes (without schemas, userName or password), keyed as in the resource. */
export function scimAttributes(user: ProvisioningUser, mappings: ClaimMappingRule[]): Json {
  const rules = [...DEFAULT_RULES, ...mappings.filter((m) => isScimPath(m.remoteClaim))];
  const attributes: Json = {};
  for (const [path, value] of mapClaims(user.claims, rules)) {
    if (path.startsWith('urn:')) {
      const cut = path.lastIndexOf(':');
      setPath(ownObject(attributes, path.slice(0, cut)), path.slice(cut + 1), value);
    } else {
      setPath(attributes, path, scimValue(path.split('.')[0], value));
    }
  }
  const disabled = isDisabled(user.claims);
  if (disabled !== undefined && !('active' in attributes)) attributes.active = !disabled;
  if (!('displayName' in attributes) && attributes.name) {
    const name = attributes.name as Json;
    const full = [name.givenName, name.familyName].filter(Boolean).join(' ');
    if (full) attributes.displayName = full;
  }
  return attributes;
}

export function scimSchemas(dialect: ScimDialect, attributes: Json): string[] {
  const extensions = Object.keys(attributes).filter((k) => k.startsWith('urn:'));
  return [...dialect.userSchemas, ...extensions];
}
