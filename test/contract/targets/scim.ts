// The SCIM 2.0 and SCIM 1.1 connector types against the local SCIM server.
import { FakeScimServer, type ScimVersion } from '../../fakes/scim-server';
import { ok, type TestApi } from '../../support/api';
import * as doc from '../../support/documents';
import type { ContractFault, ContractTarget } from '../contract-target';

const PASSWORD = 'scim-secret-Pw7x';
const DEFAULT_PASSWORD = 'scim-default-Dp3k';

export function scimTarget(version: ScimVersion): ContractTarget {
  const server = new FakeScimServer(version, { basic: ['provisioner', PASSWORD] });
  return {
    name: `SCIM ${version}`,
    hasGroups: true,
    deleteLeaves: 'nothing',
    renewsToken: false,
    throttleRetryAfterMs: 1000,
    secrets: [
      PASSWORD,
      DEFAULT_PASSWORD,
      Buffer.from(`provisioner:${PASSWORD}`).toString('base64'),
    ],
    start: async () => void (await server.start()),
    stop: () => server.stop(),
    reset: () => server.reset(),
    async configure(api: TestApi, identityProviderId: string) {
      const input = {
        version: version === '2.0' ? 'SCIM_2_0' : 'SCIM_1_1',
        username: 'provisioner',
        password: PASSWORD,
        defaultPassword: DEFAULT_PASSWORD,
        userEndpoint: `${server.url}/Users`,
        groupEndpoint: `${server.url}/Groups`,
      };
      const data = ok(await api.gql(doc.CONFIGURE_SCIM, { id: identityProviderId, input }));
      return data.configureScimConnector.id as string;
    },
    expectedName: (username) => username,
    readUser(remoteId) {
      const user = server.users.get(remoteId);
      if (!user) return undefined;
      return {
        name: user.userName,
        givenName: user.name?.givenName ?? null,
        familyName: user.name?.familyName ?? null,
        active: user.active !== false,
      };
    },
    readGroup(remoteId) {
      const group = server.groups.get(remoteId);
      if (!group) return undefined;
      return { name: group.displayName, memberIds: group.members.map((m: any) => m.value) };
    },
    dropUser: (remoteId) => void server.users.delete(remoteId),
    seedUser(name) {
      const id = `existing-${name}`;
      server.users.set(id, { schemas: ['x'], id, userName: name, name: { givenName: 'Old' } });
      return id;
    },
    inject(fault: ContractFault, count = 1) {
      for (let i = 0; i < count; i++) server.inject(scimFault(fault));
    },
    writes: () => server.requests.filter((r) => r.method !== 'GET').length,
    lastUserWriteBody() {
      const writes = server.requests.filter((r) => r.method !== 'GET' && r.path.includes('/Users'));
      return writes.at(-1)?.body ?? null;
    },
  };
}

function scimFault(fault: ContractFault) {
  switch (fault) {
    case 'rate-limit':
      return { kind: 'status', status: 429, headers: { 'retry-after': '1' } } as const;
    case 'server-error':
      return { kind: 'status', status: 500 } as const;
    case 'token-expired':
      return { kind: 'status', status: 401, body: { detail: 'credentials rejected' } } as const;
    default:
      return { kind: fault };
  }
}
