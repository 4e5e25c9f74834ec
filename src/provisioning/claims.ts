// Local claims (WSO2 URIs) and the identity provider's claim mappings: remote claim ← local claim,
// else the mapping's default value, as WSO2 does.
export const WSO2_CLAIM = 'http://wso2.org/claims/';
export const USERNAME_CLAIM = `${WSO2_CLAIM}username`;
export const EMAIL_CLAIM = `${WSO2_CLAIM}emailaddress`;
export const GIVEN_NAME_CLAIM = `${WSO2_CLAIM}givenname`;
export const LAST_NAME_CLAIM = `${WSO2_CLAIM}lastname`;
/** The user's group names and effective realm roles, comma-separated (read from Keycloak only when used). */
export const GROUPS_CLAIM = `${WSO2_CLAIM}groups`;
export const ROLES_CLAIM = `${WSO2_CLAIM}roles`;

export type LocalClaims = ReadonlyMap<string, string>;

/** Keycloak's `enabled`, negated (WSO2's claim): "true" for a disabled account. */
export const ACCOUNT_DISABLED_CLAIM = `${WSO2_CLAIM}accountDisabled`;

/** Whether the account is disabled in Keycloak; undefined where the claims do not say. */
export function isDisabled(claims: LocalClaims): boolean | undefined {
  const value = claims.get(ACCOUNT_DISABLED_CLAIM);
  return value === undefined ? undefined : value === 'true';
}

export interface ClaimMappingRule {
  remoteClaim: string;
  localClaim: string | null;
  defaultValue: string | null;
}

/** The user as the engine sees it: ids, names and WSO2-dialect claims. */
export interface ProvisioningUser {
  id: string;
  username: string;
  userStoreDomain: string | null;
  tenantDomain: string;
  claims: LocalClaims;
  password?: string | null;
  /**
   * Group and role names (Keycloak), matched against an identity provider's provisioning scope;
   * absent when unknown (then a scoped identity provider skips the user rather than guess).
   */
  roles?: readonly string[] | null;
  /** The groups the user is a direct member of, read with the roles (absent when not read). */
  groups?: readonly ProvisioningGroup[] | null;
}

/** A group (Keycloak group or role) as the engine sees it. */
export interface ProvisioningGroup {
  id: string;
  name: string;
  tenantDomain: string;
}

export function claimsFrom(pairs: { uri: string; value: string }[], username: string): LocalClaims {
  const claims = new Map<string, string>();
  for (const { uri, value } of pairs) claims.set(uri, value);
  if (!claims.has(USERNAME_CLAIM)) claims.set(USERNAME_CLAIM, username);
  return claims;
}

/** Every mapped remote claim with the user's value or the mapping's default; unset ones are left out. */
export function mapClaims(claims: LocalClaims, mappings: ClaimMappingRule[]): Map<string, string> {
  const remote = new Map<string, string>();
  for (const m of mappings) {
    const value =
      (m.localClaim ? claims.get(m.localClaim) : undefined) ?? m.defaultValue ?? undefined;
    if (value !== undefined && value !== '') remote.set(m.remoteClaim, value);
  }
  return remote;
}

/**
 * A claim named in a connector's config (e.g. Google's Given Name claim): the IdP mapping for that
 * remote claim wins where one exists, else the user's local claim of that URI.
 */
export function claimValue(
  uri: string | null | undefined,
  claims: LocalClaims,
  mapped: ReadonlyMap<string, string>,
): string | undefined {
  if (!uri) return undefined;
  return mapped.get(uri) ?? claims.get(uri) ?? undefined;
}
