// Who may call the API: a static bearer token (API_TOKEN) and/or OIDC access tokens verified
// against the issuer's JWKS with a required role. Without either, every caller is trusted, which
// config only allows on a loopback bind.
import { timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { ForbiddenError, UnauthenticatedError } from '../common/errors';
import type { Config, OidcConfig } from '../config';

export interface Principal {
  subject: string;
  via: 'api-token' | 'oidc' | 'loopback';
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

/** OIDC_JWKS_URL, else the jwks_uri of the issuer's discovery document (fetched once). */
async function discoverJwksUrl(oidc: OidcConfig): Promise<URL> {
  if (oidc.jwksUrl) return new URL(oidc.jwksUrl);
  const response = await fetch(
    `${oidc.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
    {
      signal: AbortSignal.timeout(5000),
    },
  );
  const body = (await response.json()) as { jwks_uri?: string };
  if (!response.ok || !body.jwks_uri)
    throw new Error(`OIDC discovery failed (HTTP ${response.status})`);
  return new URL(body.jwks_uri);
}

function oidcVerifier(oidc: OidcConfig) {
  let jwks: ReturnType<typeof createRemoteJWKSet> | null = null;
  return async (token: string): Promise<Principal> => {
    let payload: JWTPayload;
    try {
      jwks ??= createRemoteJWKSet(await discoverJwksUrl(oidc), {
        timeoutDuration: 5000,
        cooldownDuration: 30_000,
      });
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: oidc.issuer,
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
    if (!rolesOf(payload, oidc.clientId).has(oidc.requiredRole)) {
      throw new ForbiddenError(`the access token lacks the role "${oidc.requiredRole}"`);
    }
    return {
      subject: payload.sub ?? (typeof payload.azp === 'string' ? payload.azp : 'unknown'),
      via: 'oidc',
    };
  };
}

export function createAuthenticator(config: Pick<Config, 'apiToken' | 'oidc'>): Authenticator {
  const verifyOidc = config.oidc ? oidcVerifier(config.oidc) : null;
  if (!config.apiToken && !verifyOidc) return async () => ({ subject: 'local', via: 'loopback' });
  return async (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new UnauthenticatedError();
    const token = match[1];
    if (config.apiToken && sameToken(token, config.apiToken))
      return { subject: 'api-token', via: 'api-token' };
    if (verifyOidc && token.split('.').length === 3) return verifyOidc(token);
    throw new UnauthenticatedError('invalid bearer token');
  };
}
