// One connector's service-account client: it signs the jwt-bearer assertion as the Administrator
// (domain-wide delegation), sends it to the configured token URL, and keeps the access token for
// the provisioner's lifetime. No retries of its own and one timeout per request.
// The admin entry point loads only the Admin SDK; the googleapis index loads every Google API.
import { auth as googleAuth } from 'googleapis/build/src/apis/admin';
import type { ProvisionerContext } from '../connector-type';
import { text } from '../field-values';
import { GOOGLE_TOKEN_URL, tokenUrlOf } from './google-requests';

export const DIRECTORY_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user',
  'https://www.googleapis.com/auth/admin.directory.group',
];

export type GoogleJwt = InstanceType<typeof googleAuth.JWT>;

/** The credentials google-auth-library starts a JWT client with: "expired", so the next call signs anew. */
const EXPIRED = { refresh_token: 'jwt-placeholder', expiry_date: 1 };

export function createJwtClient(context: ProvisionerContext): GoogleJwt {
  const tokenUrl = tokenUrlOf(context.config);
  const client = new googleAuth.JWT({
    email: text(context.config, 'serviceAccountEmail'),
    key: context.secrets.privateKey,
    subject: text(context.config, 'adminEmail'),
    scopes: DIRECTORY_SCOPES,
    // gtoken signs aud = Google's token URL; a private token endpoint checks its own.
    additionalClaims: { aud: tokenUrl },
    transporterOptions: {
      timeout: context.timeoutMs,
      // The engine's retry helper is the only one: gaxios retries neither API nor token calls.
      retry: false,
      retryConfig: { retry: 0 },
      // Node's fetch: gaxios would otherwise import the ESM-only node-fetch. No redirect is
      // followed: a 307/308 would re-send a new user's password, or the signed assertion, elsewhere.
      fetchImplementation: (input, init) => fetch(input, { ...init, redirect: 'error' }),
    },
  });
  if (tokenUrl !== GOOGLE_TOKEN_URL) {
    // gtoken posts to a hard-coded URL through this transporter; send it to the configured one.
    client.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(tokenUrl);
        return config;
      },
    });
  }
  return client;
}

/** The access token, fetched (and cached by the client) if there is none or it is about to expire. */
export async function accessToken(client: GoogleJwt): Promise<string | null> {
  return (await client.getAccessToken()).token ?? null;
}

/**
 * After a 401 the token in use was revoked or has expired early: drop it so the next call signs a
 * new assertion. google-auth-library does not do this for a JWT client (its own 401 retry needs a
 * token without expiry, or forceRefreshOnFailure, which would also retry 403s and reuse the
 * cached token). A token already replaced by a concurrent call is left alone.
 */
export function dropToken(client: GoogleJwt, used: string | null): void {
  if (client.credentials.access_token === used) client.setCredentials({ ...EXPIRED });
}
