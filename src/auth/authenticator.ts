// Who may call the API, and with what access (access.ts): a static bearer token (API_TOKEN, a
// platform administrator) and/or OIDC access tokens verified against their issuer's JWKS, from
// OIDC_ISSUER or any realm of OIDC_KEYCLOAK_URL, carrying the administrator or the viewer role.
// Without either, every caller is trusted, which config only allows on a loopback bind.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { ForbiddenError, UnauthenticatedError } from '../common/errors';
import type { Config, OidcConfig } from '../config';
import { PLATFORM_ADMIN, type Access, type AccessRole } from './access';

export interface Principal {
  subject: string;
  via: 'api-token' | 'oidc' | 'loopback';
  /** The token's preferred_username, where it has one. */
  username: string | null;
  /** The token's issuer; for the static token and a loopback bind, `via`. */
  issuer: string;
  /** The OAuth client the token was issued to (azp). */
  clientId: string | null;
  /** What the caller may see and change (access.ts). */
  access: Access;
}

export type Authenticator = (authorization: string | undefined) => Promise<Principal>;

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Roles that count: realm roles and roles of this API's own client. A role on any other client
 * does not, nor a plain "roles" claim: whoever administers some other client of the realm could
 * name a role "provisioning-admin" there, or add a mapper that writes such a claim.
 */
export function rolesOf(payload: JWTPayload, clientId: string): Set<string> {
  const roles = new Set<string>();
  const add = (list: unknown) =>
    Array.isArray(list) && list.forEach((r) => typeof r === 'string' && roles.add(r));
  add((payload.realm_access as { roles?: unknown } | undefined)?.roles);
  const clients = payload.resource_access as Record<string, { roles?: unknown }> | undefined;
  if (clients && Object.hasOwn(clients, clientId)) add(clients[clientId]?.roles);
  return roles;
}

/** The token was issued for this API: its audience names it, or it is the authorized party. */
function issuedFor(payload: JWTPayload, audience: string): boolean {
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  return aud.includes(audience) || payload.azp === audience;
}

/**
 * The jwks_uri of an issuer's discovery document. The document must name the issuer asked about
 * (OpenID Connect Discovery, section 4.3), and a Keycloak realm's keys must live on that Keycloak.
 */
async function discoverJwksUrl(issuer: string, sameOrigin: boolean): Promise<URL> {
  const response = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(5000),
  });
  const body = (await response.json().catch(() => ({}))) as { issuer?: string; jwks_uri?: string };
  if (!response.ok || !body.jwks_uri)
    throw new Error(`OIDC discovery failed (HTTP ${response.status})`);
  if (body.issuer !== issuer) throw new Error(`OIDC discovery names another issuer`);
  const jwks = new URL(body.jwks_uri);
  if (sameOrigin && jwks.origin !== new URL(issuer).origin)
    throw new Error(`OIDC discovery puts the keys on another server (${jwks.origin})`);
  return jwks;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** How long an issuer whose discovery failed (e.g. an unknown realm) is not asked again. */
const FAILED_DISCOVERY_MS = 30_000;
/** Keycloak realms remembered at most (each a key set); beyond it the oldest are dropped. */
const MAX_REALMS = 1000;

/**
 * The issuers tokens may come from — those of OIDC_ISSUER, and every realm of OIDC_KEYCLOAK_URL — and the
 * key set of each, discovered on its first token and kept. The issuer is read from the token
 * before it is verified only to pick the keys; the verification then requires that issuer.
 */
function trustedIssuers(oidc: OidcConfig) {
  const keySets = new Map<string, Promise<KeySet>>();
  const failedAt = new Map<string, number>();
  const realmsAt = oidc.keycloakUrl && `${oidc.keycloakUrl}/realms/`;
  // A realm name, never "." or ".." (which a URL would resolve out of /realms/).
  const isRealmOfKeycloak = (issuer: string) =>
    !!realmsAt &&
    issuer.startsWith(realmsAt) &&
    /^[A-Za-z0-9._-]{1,255}$/.test(issuer.slice(realmsAt.length)) &&
    !/^\.+$/.test(issuer.slice(realmsAt.length));
  const trusted = (issuer: string) => oidc.issuers.includes(issuer) || isRealmOfKeycloak(issuer);
  /** Drops the oldest entry of a full map (Maps keep insertion order). */
  const makeRoom = (map: Map<string, unknown>) => {
    if (map.size >= MAX_REALMS) map.delete(map.keys().next().value!);
  };
  return {
    trusted,
    isRealmOfKeycloak,
    async keysOf(issuer: string): Promise<KeySet> {
      if ((failedAt.get(issuer) ?? 0) > Date.now() - FAILED_DISCOVERY_MS)
        throw new Error(`the issuer ${issuer} did not answer discovery`);
      let keys = keySets.get(issuer);
      if (!keys) {
        const jwksUrl =
          oidc.jwksUrl && oidc.issuers[0] === issuer
            ? Promise.resolve(new URL(oidc.jwksUrl))
            : discoverJwksUrl(issuer, isRealmOfKeycloak(issuer));
        keys = jwksUrl.then((url) =>
          createRemoteJWKSet(url, { timeoutDuration: 5000, cooldownDuration: 30_000 }),
        );
        makeRoom(keySets);
        keySets.set(issuer, keys);
        keys.catch(() => {
          keySets.delete(issuer);
          makeRoom(failedAt);
          failedAt.set(issuer, Date.now());
        });
      }
      return keys;
    },
  };
}

/** The token's issuer, unverified (to pick its keys); null when it is not a JWT. */
function claimedIssuer(token: string): string | null {
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === 'string' ? iss : null;
  } catch {
    return null;
  }
}

/**
 * The tenants a verified token speaks for, or null for every tenant. A token of a realm of
 * OIDC_KEYCLOAK_URL speaks for that realm only: whatever claims its realm's administrators map
 * into it, and the platform realm's for all. A token of OIDC_ISSUER (trusted by configuration)
 * speaks for what its OIDC_TENANT_CLAIM names, else for the realm in the issuer's path.
 */
function tenantsOf(
  payload: JWTPayload,
  oidc: OidcConfig,
  isRealmOfKeycloak: (issuer: string) => boolean,
): string[] | null {
  const issuer = payload.iss ?? '';
  const realm = /\/realms\/([^/]+)$/.exec(issuer)?.[1];
  const claimed =
    oidc.tenantClaim && !isRealmOfKeycloak(issuer) ? payload[oidc.tenantClaim] : undefined;
  const tenants =
    claimed !== undefined
      ? (Array.isArray(claimed) ? claimed : [claimed]).filter(
          (t): t is string => typeof t === 'string' && t !== '',
        )
      : realm
        ? [decodeURIComponent(realm)]
        : [];
  if (!tenants.length)
    throw new ForbiddenError(
      oidc.tenantClaim
        ? `the access token names no tenant in its "${oidc.tenantClaim}" claim`
        : 'the access token names no tenant: its issuer is no Keycloak realm (set OIDC_TENANT_CLAIM)',
    );
  return tenants.includes(oidc.platformRealm) ? null : tenants;
}

/** How long a verified token is taken on trust without verifying it again (never past its exp). */
const VERIFIED_FOR_MS = 60_000;
const MAX_VERIFIED = 10_000;

function oidcVerifier(oidc: OidcConfig) {
  const issuers = trustedIssuers(oidc);
  const verify = verifier(oidc, issuers);
  // A caller sends the same token with every request: its signature is checked once a minute,
  // not per request. Kept by the token's SHA-256, so no token stays in memory.
  const verified = new Map<string, { principal: Principal; until: number }>();
  return async (token: string): Promise<Principal> => {
    const key = createHash('sha256').update(token).digest('base64');
    const hit = verified.get(key);
    if (hit && hit.until > Date.now()) return hit.principal;
    const { principal, expiresAt } = await verify(token);
    if (verified.size >= MAX_VERIFIED) verified.clear();
    verified.set(key, { principal, until: Math.min(expiresAt, Date.now() + VERIFIED_FOR_MS) });
    return principal;
  };
}

function verifier(oidc: OidcConfig, issuers: ReturnType<typeof trustedIssuers>) {
  return async (token: string): Promise<{ principal: Principal; expiresAt: number }> => {
    let payload: JWTPayload;
    try {
      const issuer = claimedIssuer(token);
      if (!issuer || !issuers.trusted(issuer))
        throw new Error(`tokens of the issuer ${issuer ?? '(none)'} are not accepted`);
      ({ payload } = await jwtVerify(token, await issuers.keysOf(issuer), {
        issuer,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw new UnauthenticatedError(`invalid access token: ${(error as Error).message}`);
    }
    // Keycloak marks its tokens: an ID or refresh token is no access token, whatever its audience.
    if (typeof payload.typ === 'string' && payload.typ.toLowerCase() !== 'bearer') {
      throw new UnauthenticatedError(`invalid access token: a "${payload.typ}" token`);
    }
    if (!issuedFor(payload, oidc.audience)) {
      throw new UnauthenticatedError(
        `invalid access token: issued neither for nor by "${oidc.audience}" (aud, azp)`,
      );
    }
    const roles = rolesOf(payload, oidc.clientId);
    const role: AccessRole | null = roles.has(oidc.requiredRole)
      ? 'admin'
      : roles.has(oidc.viewerRole)
        ? 'viewer'
        : null;
    if (!role) {
      throw new ForbiddenError(
        `the access token lacks the role "${oidc.requiredRole}" (or "${oidc.viewerRole}" to read)`,
      );
    }
    const clientId = typeof payload.azp === 'string' ? payload.azp : null;
    const principal: Principal = {
      subject: payload.sub ?? clientId ?? 'unknown',
      via: 'oidc',
      username: typeof payload.preferred_username === 'string' ? payload.preferred_username : null,
      issuer: payload.iss!,
      clientId,
      access: { role, tenants: tenantsOf(payload, oidc, issuers.isRealmOfKeycloak) },
    };
    return { principal, expiresAt: payload.exp! * 1000 };
  };
}

/** What the static token and a loopback bind share: a platform administrator with no token claims. */
const STATIC_CALLER = { access: PLATFORM_ADMIN, username: null, clientId: null } as const;

export function createAuthenticator(config: Pick<Config, 'apiToken' | 'oidc'>): Authenticator {
  const verifyOidc = config.oidc ? oidcVerifier(config.oidc) : null;
  if (!config.apiToken && !verifyOidc)
    return async () => ({
      ...STATIC_CALLER,
      subject: 'local',
      via: 'loopback',
      issuer: 'loopback',
    });
  return async (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new UnauthenticatedError();
    const token = match[1];
    if (config.apiToken && sameToken(token, config.apiToken))
      return { ...STATIC_CALLER, subject: 'api-token', via: 'api-token', issuer: 'api-token' };
    if (verifyOidc && token.split('.').length === 3) return verifyOidc(token);
    throw new UnauthenticatedError('invalid bearer token');
  };
}
