// A link's hash must not change with the code that computes it: a stored hash that no longer
// matches would make the next sync update every user at every target.
import { createHash } from 'node:crypto';
import type { Connector } from '../connector/connector.entity';
import type { ProvisioningUser } from './claims';
import type { IdpSnapshot } from './idp-snapshot';
import { userHash } from './representation';

const connector = {
  id: 'c1',
  version: 3,
  type: 'scim-2',
  config: { userEndpoint: 'https://scim.example/Users', username: 'admin', useBulk: true },
} as unknown as Connector;
const snapshot = { fingerprint: 'fp-1', usesRoles: false } as unknown as IdpSnapshot;

const user = (lastName: string): ProvisioningUser => ({
  id: 'u1',
  username: 'ada',
  userStoreDomain: null,
  tenantDomain: 'acme',
  roles: null,
  claims: new Map([
    ['http://wso2.org/claims/lastname', lastName],
    ['http://wso2.org/claims/emailaddress', 'ada@acme.test'],
  ]),
});

/** The hash as links have stored it since it was first written (SCIM's useBulk came later). */
function storedForm(c: Connector, fingerprint: string, u: ProvisioningUser): string {
  const settings = Object.entries(c.config)
    .filter(([name]) => name !== 'useBulk')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const claims = [...u.claims].sort(([a], [b]) => (a < b ? -1 : 1));
  const object = { username: u.username, userStoreDomain: null, tenantDomain: 'acme', claims };
  return createHash('sha256')
    .update(JSON.stringify([c.type, settings, fingerprint, object]))
    .digest('base64url');
}

describe('userHash', () => {
  it('is the hash links have stored, for each user, again and again', () => {
    for (const name of ['Lovelace', 'Byron', 'Lovelace'])
      expect(userHash(snapshot, connector, user(name))).toBe(
        storedForm(connector, 'fp-1', user(name)),
      );
  });

  it('changes with the connector version’s settings and with the snapshot', () => {
    const changed = { ...connector, version: 4, config: { ...connector.config, username: 'root' } };
    const other = userHash(snapshot, changed, user('Lovelace'));
    expect(other).toBe(storedForm(changed as Connector, 'fp-1', user('Lovelace')));
    expect(other).not.toBe(userHash(snapshot, connector, user('Lovelace')));
    const moved = userHash({ ...snapshot, fingerprint: 'fp-2' }, connector, user('Lovelace'));
    expect(moved).toBe(storedForm(connector, 'fp-2', user('Lovelace')));
  });

  it('stays the same when only how requests travel changes (SCIM Bulk on or off)', () => {
    const bulkOff = { ...connector, version: 5, config: { ...connector.config, useBulk: false } };
    expect(userHash(snapshot, bulkOff as Connector, user('Lovelace'))).toBe(
      userHash(snapshot, connector, user('Lovelace')),
    );
  });
});
