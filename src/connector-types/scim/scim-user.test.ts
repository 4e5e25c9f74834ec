import { EMAIL_CLAIM, USERNAME_CLAIM, type ProvisioningUser } from '../../provisioning/claims';
import { scimAttributes } from './scim-user';

const user: ProvisioningUser = {
  id: 'u1',
  username: 'pat',
  userStoreDomain: null,
  tenantDomain: 'acme',
  claims: new Map([
    [USERNAME_CLAIM, 'pat'],
    [EMAIL_CLAIM, 'pat@example.com'],
    ['http://wso2.org/claims/department', '{"isAdmin":true}'],
  ]),
};

describe('scimAttributes', () => {
  afterEach(() => {
    for (const key of ['polluted', 'isAdmin', 'x'])
      delete (Object.prototype as Record<string, unknown>)[key];
  });

  it('builds nested core and extension attributes from mappings', () => {
    const attributes = scimAttributes(user, [
      { remoteClaim: 'name.formatted', localClaim: null, defaultValue: 'Pat Lee' },
      {
        remoteClaim: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value',
        localClaim: null,
        defaultValue: 'm1',
      },
    ]);
    expect(attributes).toEqual({
      name: { formatted: 'Pat Lee' },
      emails: [{ value: 'pat@example.com', primary: true }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'm1' } },
    });
  });

  it.each([
    'name.__proto__.polluted',
    'urn:a:__proto__.polluted',
    'urn:a:constructor.prototype.polluted',
    'name.constructor.prototype.polluted',
  ])('never reaches a prototype, even from a mapping stored before it was refused: %s', (path) => {
    const attributes = scimAttributes(user, [
      { remoteClaim: path, localClaim: 'http://wso2.org/claims/department', defaultValue: null },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
    // The path is kept as plain keys, so the payload says exactly what the mapping says.
    expect(JSON.stringify(attributes)).toContain('"polluted":"{\\"isAdmin\\":true}"');
  });
});
