// A sync's drift check at a SCIM target, over real HTTP to the local SCIM 2.0 server: many linked
// users are read in one search by id; only those the answer lacks or shows different are read
// alone (a search may be ignored, capped or trimmed: only "same" is taken from it), and a server
// that refuses the filter is read a user at a time.
import { createHttpClient } from '../src/common/http';
import { ConnectorPace } from '../src/common/pace';
import { SCIM_2_0 } from '../src/connector-types/scim/scim-dialect';
import type { RemoteRef } from '../src/connector-types/connector-type';
import { createScimProvisioner } from '../src/connector-types/scim/scim-provisioner';
import type { ProvisioningUser } from '../src/provisioning/claims';
import { FakeScimServer } from './fakes/scim-server';

const PASSWORD = 'drift-secret-Pw7x';

function user(i: number, lastName = 'Hopper'): ProvisioningUser {
  return {
    id: `kc-${i}`,
    username: `grace${i}@acme.test`,
    userStoreDomain: null,
    tenantDomain: 'acme',
    roles: null,
    claims: new Map([
      ['http://wso2.org/claims/emailaddress', `grace${i}@acme.test`],
      ['http://wso2.org/claims/givenname', 'Grace'],
      ['http://wso2.org/claims/lastname', lastName],
    ]),
  };
}

describe('SCIM drift check of many users', () => {
  let scim: FakeScimServer;
  const http = createHttpClient(2_000);

  beforeAll(async () => {
    scim = await new FakeScimServer('2.0', { basic: ['provisioner', PASSWORD] }).start();
  });
  afterAll(async () => {
    await http.close();
    await scim?.stop();
  });

  async function provisionFour() {
    scim.reset();
    const provisioner = createScimProvisioner(SCIM_2_0, {
      config: { username: 'provisioner', userEndpoint: `${scim.url}/Users` },
      secrets: { password: PASSWORD },
      identityProviderName: 'acme',
      claimMappings: [],
      http,
      unpacedHttp: http,
      pace: new ConnectorPace(),
      timeoutMs: 2_000,
    });
    const users = [1, 2, 3, 4].map((i) => user(i));
    const refs: RemoteRef[] = [];
    for (const u of users) refs.push(await provisioner.createUser(u));
    // At the target: one deleted, one edited by someone else; the others as sent.
    scim.users.delete(refs[1].remoteId);
    (scim.users.get(refs[2].remoteId)!.name as Record<string, unknown>).familyName = 'Edited';
    scim.requests.length = 0;
    const items = users.map((u, i) => ({ remoteId: refs[i].remoteId, user: u }));
    return { provisioner, items };
  }

  const gets = () => scim.requests.filter((r) => r.method === 'GET');

  it('reads them in one search by id, and alone only those it lacks or shows different', async () => {
    const { provisioner, items } = await provisionFour();
    await expect(provisioner.compareUsers!(items)).resolves.toEqual([
      'same',
      'gone',
      'changed',
      'same',
    ]);
    expect(gets().map((r) => (r.query ? 'search' : r.path))).toEqual([
      'search',
      `/scim/v2/Users/${items[1].remoteId}`,
      `/scim/v2/Users/${items[2].remoteId}`,
    ]);
    expect(decodeURIComponent(gets()[0].query)).toContain(`id eq "${items[0].remoteId}" or id eq`);
  });

  it('reads a user at a time at a server that refuses the filter, and asks it only once', async () => {
    const { provisioner, items } = await provisionFour();
    scim.searchById = false;
    try {
      await expect(provisioner.compareUsers!(items)).resolves.toEqual([
        'same',
        'gone',
        'changed',
        'same',
      ]);
      await expect(provisioner.compareUsers!(items)).resolves.toHaveLength(4);
    } finally {
      scim.searchById = true;
    }
    // One refused search, then single reads only: four for each of the two checks.
    expect(gets().filter((r) => r.query)).toHaveLength(1);
    expect(gets().filter((r) => !r.query)).toHaveLength(8);
  });
});
