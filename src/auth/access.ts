// What a caller may do, decided in one place: platform administrators manage every tenant, tenant
// administrators only their own tenants, viewers read their tenants and change nothing. A tenant is
// an identity provider's tenantDomain (a Keycloak realm). An object of a tenant the caller cannot
// see is NOT_FOUND, exactly as an id that does not exist: FORBIDDEN would tell that it exists.

export type AccessRole = 'admin' | 'viewer';

export interface Access {
  role: AccessRole;
  /** The tenants the caller may see; null for every tenant (the platform). */
  tenants: readonly string[] | null;
}

/** The static API token, an OIDC token of the platform realm, or a loopback bind without auth. */
export const PLATFORM_ADMIN: Access = Object.freeze({ role: 'admin', tenants: null });

export const seesEveryTenant = (access: Access): boolean => access.tenants === null;

/** A platform administrator: may change (and call the targets of) every tenant. */
export const changesEveryTenant = (access: Access): boolean =>
  access.role === 'admin' && access.tenants === null;

export function seesTenant(access: Access, tenantDomain: string): boolean {
  return access.tenants === null || access.tenants.includes(tenantDomain);
}

/** Whether the caller may change what belongs to the tenant (and call its targets). */
export function changesTenant(access: Access, tenantDomain: string): boolean {
  return access.role === 'admin' && seesTenant(access, tenantDomain);
}
