// A local OIDC issuer shaped like Keycloak: /realms/<realm>/.well-known/openid-configuration and
// its certs, a key per realm; an unknown realm is a 404, as Keycloak answers. Signs access tokens
// as a realm would for the API's client.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';

export interface TokenOptions {
  key?: KeyLike;
  expiresIn?: string;
  claims?: object;
}

export interface RealmIssuer {
  /** The Keycloak base URL (OIDC_KEYCLOAK_URL). */
  base: string;
  privateKey(realm: string): KeyLike;
  /** A key no realm publishes. */
  strangerKey: KeyLike;
  /** An access token of `realm` for provisioning-api with these realm roles. */
  token(realm: string, roles: string[], options?: TokenOptions): Promise<string>;
  close(): void;
}

export async function startRealmIssuer(realms: readonly string[]): Promise<RealmIssuer> {
  const keys = new Map<string, { privateKey: KeyLike; jwk: object }>();
  for (const realm of realms) {
    const pair = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: `${realm}-k`, alg: 'RS256' };
    keys.set(realm, { privateKey: pair.privateKey, jwk });
  }
  const strangerKey = (await generateKeyPair('RS256')).privateKey;
  let base = '';
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    const match = /^\/realms\/([^/]+)\/(.+)$/.exec(req.url ?? '');
    const realm = match && keys.get(match[1]);
    if (!match || !realm) {
      res.statusCode = 404;
      return res.end('{"error":"Realm does not exist"}');
    }
    const issuer = `${base}/realms/${match[1]}`;
    if (match[2] === '.well-known/openid-configuration')
      return res.end(
        JSON.stringify({ issuer, jwks_uri: `${issuer}/protocol/openid-connect/certs` }),
      );
    if (match[2] === 'protocol/openid-connect/certs')
      return res.end(JSON.stringify({ keys: [realm.jwk] }));
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    strangerKey,
    privateKey: (realm) => keys.get(realm)!.privateKey,
    token(realm, roles, options = {}) {
      return new SignJWT({
        realm_access: { roles },
        azp: 'provisioning-api',
        preferred_username: `${realm}-person`,
        ...options.claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: `${realm}-k` })
        .setIssuer(`${base}/realms/${realm}`)
        .setAudience('provisioning-api')
        .setSubject(`${realm}-person-id`)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(options.key ?? keys.get(realm)?.privateKey ?? strangerKey);
    },
    close: () => void server.close(),
  };
}
