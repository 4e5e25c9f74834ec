// The Google Workspace connector type against the local Google (token endpoint + Directory API),
// configured with a PKCS#12 key under its own passphrase, as an admin would upload a .p12 file.
import { patternId } from '../../../src/connector-types/pattern-id';
import { FakeGoogleServer } from '../../fakes/google-server';
import { ok, type TestApi } from '../../support/api';
import * as doc from '../../support/documents';
import { makeTestKeys } from '../../support/keys';
import type { ContractFault, ContractTarget } from '../contract-target';

export const GOOGLE_DOMAIN = 'acme-workspace.test';
export const SERVICE_ACCOUNT = 'provisioner@acme-project.iam.gserviceaccount.com';
export const ADMIN_EMAIL = `admin@${GOOGLE_DOMAIN}`;
const P12_PASSPHRASE = 'p12-pass-Qz81';

/** Secret-looking parts of a PEM: its base64 body in one piece and a few of its lines. */
export function pemSecrets(pem: string): string[] {
  const lines = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
  return [lines.join(''), lines[1], lines[Math.floor(lines.length / 2)], lines.at(-2)!];
}

export function googleTarget(): ContractTarget {
  const keys = makeTestKeys();
  const p12 = keys.p12Base64(P12_PASSPHRASE);
  const server = new FakeGoogleServer({
    serviceAccountEmail: SERVICE_ACCOUNT,
    publicKeyPem: keys.publicPem,
    adminEmail: ADMIN_EMAIL,
    domain: GOOGLE_DOMAIN,
  });
  return {
    name: 'Google',
    hasGroups: true,
    deleteLeaves: 'nothing',
    renewsToken: true,
    throttleRetryAfterMs: 1000,
    get secrets() {
      return [p12, P12_PASSPHRASE, ...pemSecrets(keys.pem), ...server.issuedTokens];
    },
    start: async () => void (await server.start()),
    stop: () => server.stop(),
    reset: () => server.reset(),
    async configure(api: TestApi, identityProviderId: string) {
      const input = {
        domain: GOOGLE_DOMAIN,
        serviceAccountEmail: SERVICE_ACCOUNT,
        adminEmail: ADMIN_EMAIL,
        privateKey: p12,
        privateKeyPassphrase: P12_PASSPHRASE,
        apiRootUrl: server.apiRootUrl,
        tokenUrl: server.tokenUrl,
      };
      const data = ok(await api.gql(doc.CONFIGURE_GOOGLE, { id: identityProviderId, input }));
      return data.configureGoogleConnector.id as string;
    },
    expectedName: (username) =>
      patternId(
        {
          user: { id: '', username, userStoreDomain: null, tenantDomain: '', claims: new Map() },
          identityProviderName: '',
          config: { domain: GOOGLE_DOMAIN },
        },
        'domain',
      ),
    readUser(remoteId) {
      const user = server.users.get(remoteId);
      if (!user) return undefined;
      return {
        name: user.primaryEmail,
        givenName: user.name?.givenName ?? null,
        familyName: user.name?.familyName ?? null,
        active: user.suspended !== true,
      };
    },
    readGroup(remoteId) {
      const group = server.groups.get(remoteId);
      if (!group) return undefined;
      return { name: group.name, memberIds: [...server.members.get(remoteId)!.keys()] };
    },
    dropUser: (remoteId) => void server.users.delete(remoteId),
    seedUser: (name) => server.seedUser(name).id as string,
    inject(fault: ContractFault, count = 1) {
      for (let i = 0; i < count; i++) server.inject(fault);
    },
    writes: () => server.writes,
    lastUserWriteBody: () => server.lastUserWriteBody,
  };
}
