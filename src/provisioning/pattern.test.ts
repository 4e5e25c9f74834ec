import { applyDomain, buildId, parsePattern, validateSeparator } from './pattern';

const base = { tenantDomain: 'carbon.super', identityProviderName: 'salesforce' };

describe('provisioning pattern (DESIGN §5, WSO2 parity)', () => {
  it('builds the seed example', () => {
    const id = buildId({ ...base, username: 'user@provisioning.com' }, '{UD, UN, TD, IDP}', '-');
    expect(id).toBe('primary-user@provisioning.com-carbon.super-salesforce');
  });

  it('defaults to {UN} and "_"', () => {
    expect(buildId({ ...base, username: 'Bob' })).toBe('bob');
  });

  it('joins values in pattern order and lower-cases the whole id', () => {
    expect(buildId({ ...base, username: 'Jane' }, '{IDP,UN}', '+')).toBe('salesforce+jane');
  });

  it('removes separator characters from TD, IDP and UD but never from UN', () => {
    const id = buildId(
      { username: 'jane_doe', tenantDomain: 'carbon.super', identityProviderName: 'My_IdP' },
      '{UN,IDP}',
      '_',
    );
    expect(id).toBe('jane_doe_myidp');
  });

  it('takes UD from the domain prefix of the username, else PRIMARY', () => {
    expect(buildId({ ...base, username: 'LDAP/Bob' }, '{UD,UN}', '_')).toBe('ldap_bob');
    expect(buildId({ ...base, username: 'bob' }, '{UD,UN}', '_')).toBe('primary_bob');
    expect(
      buildId({ ...base, username: 'bob', userStoreDomain: 'corp-ldap' }, '{UD,UN}', '_'),
    ).toBe('corp-ldap_bob');
  });

  it('drops a leading empty value and keeps a trailing separator, as WSO2 does', () => {
    expect(buildId({ ...base, tenantDomain: '---', username: 'bob' }, '{TD,UN}', '-')).toBe('bob');
    expect(buildId({ ...base, tenantDomain: '---', username: 'bob' }, '{UN,TD}', '-')).toBe('bob-');
  });

  it('treats the separator as literal text, not a regular expression', () => {
    expect(buildId({ ...base, tenantDomain: 'wso2.com', username: 'bob' }, '{UN,TD}', '.')).toBe(
      'bob.wso2com',
    );
    expect(buildId({ ...base, tenantDomain: 'a+b', username: 'bob' }, '{UN,TD}', '+')).toBe(
      'bob+ab',
    );
  });

  it('joins with nothing when the separator is empty', () => {
    expect(buildId({ ...base, tenantDomain: 'wso2.com', username: 'bob' }, '{UN,TD}', '')).toBe(
      'bobwso2.com',
    );
  });

  describe('worked examples of the behaviour notes §1.4 that are valid configurations', () => {
    const cases: [string, string, string, string, string, string, string][] = [
      [
        'John.Doe@Example.com',
        '{UN}',
        '_',
        'Google',
        'example.com',
        'carbon.super',
        'john.doe@example.com',
      ],
      [
        'John.Doe@Example.com',
        '{UN}',
        '_',
        'Google',
        'corp.com',
        'carbon.super',
        'john.doe.example.com@corp.com',
      ],
      [
        'user@provisioning.com',
        '{UD, UN, TD, IDP}',
        '-',
        'salesforce',
        '',
        'carbon.super',
        'primary-user@provisioning.com-carbon.super-salesforce',
      ],
      [
        'user@provisioning.com',
        '{UD, UN, TD, IDP}',
        '-',
        'salesforce',
        'primary.com',
        'carbon.super',
        'primary-user.provisioning.com-carbon.super-salesforce@primary.com',
      ],
      ['LDAP/Bob', '{UD,UN}', '_', 'x', '', 'carbon.super', 'ldap_bob'],
      [
        'jane_doe',
        '{UN,IDP}',
        '_',
        'My_IdP',
        'acme.com',
        'carbon.super',
        'jane_doe_myidp@acme.com',
      ],
      [
        'testUser',
        '{UN,TD}',
        '_',
        'g',
        'testmail.com',
        'TestTenant.com',
        'testuser_testtenant.com@testmail.com',
      ],
      ['bob', '{UN,TD}', '', 'g', '', 'wso2.com', 'bobwso2.com'],
      ['bobexample.com', '{UN}', '_', 'g', 'example.com', 'carbon.super', 'bobexample.com'],
      ['a@b.com', '{UN}', '_', 'g', 'B.COM', 'carbon.super', 'a.b.com@B.COM'],
    ];
    it.each(cases)(
      '%s %s sep=%j idp=%s domain=%s tenant=%s → %s',
      (username, pattern, sep, idp, domain, tenant, expected) => {
        const id = buildId(
          { username, tenantDomain: tenant, identityProviderName: idp },
          pattern,
          sep,
        );
        expect(applyDomain(id, domain || null)).toBe(expected);
      },
    );
  });

  describe('rejects at configuration time what WSO2 crashes or misbehaves on', () => {
    it.each([
      ['UN', /one \{…\} list/],
      ['{un}', /unknown token "un"/],
      ['{UN, EMAIL}', /unknown token "EMAIL"/],
      ['{EMAIL, UN}', /unknown token "EMAIL"/],
      ['{UN}{TD}', /one \{…\} list/],
      ['{}', /empty token/],
      ['{UN,,TD}', /empty token/],
    ])('pattern %j', (pattern, message) => {
      expect(() => parsePattern(pattern)).toThrow(message);
    });

    it('a separator with braces, commas or spaces', () => {
      for (const sep of ['{', ',', ' '])
        expect(() => validateSeparator(sep)).toThrow(/must not contain/);
    });
  });

  it('the domain rule keeps the domain case and does a plain suffix check', () => {
    expect(applyDomain('x@y.org', 'Corp.COM')).toBe('x.y.org@Corp.COM');
    expect(applyDomain('anything', null)).toBe('anything');
  });
});
