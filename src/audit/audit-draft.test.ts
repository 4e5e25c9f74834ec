import { AuditDraft } from './audit-draft';

const actor = {
  subject: 's',
  username: null,
  issuer: 'api-token',
  clientId: null,
  sourceAddress: '127.0.0.1',
};

describe('AuditDraft', () => {
  it('replaces every secret given in the input wherever free text repeats it', () => {
    const draft = new AuditDraft('configureScimConnector', actor, { id: 'x' }, ['s3cr3t-value']);
    draft.details = { echoed: ['before s3cr3t-value after'] };
    const entry = draft.entry(
      'BAD_USER_INPUT',
      'endpoint "https://s3cr3t-value@h" is invalid',
      null,
    );
    expect(JSON.stringify(entry)).not.toContain('s3cr3t-value');
    expect(entry.message).toBe('endpoint "https://[secret]@h" is invalid');
    expect(entry.details).toEqual({ echoed: ['before [secret] after'] });
  });

  it('leaves plain values alone, so one equal to a secret does not give it away', () => {
    const draft = new AuditDraft('configureScimConnector', actor, {}, ['admin']);
    const changes = [{ field: 'username', old: null, new: 'admin' }];
    expect(draft.entry('OK', null, changes).changes).toEqual(changes);
  });

  it('keeps the tenant of a mutation over one tenant, and none over several', () => {
    const one = new AuditDraft('replayFailed', actor, {}, []);
    one.concerns('acme', 'idp-1');
    one.concerns('acme', 'idp-1');
    expect([one.tenantDomain, one.identityProviderId]).toEqual(['acme', 'idp-1']);
    one.concerns('acme', 'idp-2');
    expect([one.tenantDomain, one.identityProviderId]).toEqual(['acme', null]);
    one.concerns('globex', 'idp-3');
    one.concerns('acme', 'idp-1');
    expect([one.tenantDomain, one.identityProviderId]).toEqual([null, null]);
  });

  it('cuts values to their column lengths instead of failing the write', () => {
    const long = new AuditDraft('x', { ...actor, subject: 'a'.repeat(1000) }, {}, []);
    long.concerns('t'.repeat(500));
    const entry = long.entry('OK', null, null);
    expect([entry.actorSubject.length, entry.tenantDomain?.length]).toEqual([255, 128]);
  });
});
