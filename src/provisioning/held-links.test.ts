import { HeldLinks, HOLD_MS } from './held-links';

const ref = (remoteId: string) => ({ remoteId, remoteName: remoteId });

describe('HeldLinks', () => {
  function held() {
    const links = new HeldLinks();
    links.add(['c1', 'c2'], ['u1', 'u2'], {
      users: [
        { connectorId: 'c1', localId: 'u1', remoteId: 'r1', remoteName: 'n1', attributesHash: 'h' },
      ],
      members: [
        { connectorId: 'c1', localId: 'u1/g1', remoteId: 'rg1' },
        { connectorId: 'c1', localId: 'u2/g1', remoteId: 'rg1' },
      ],
    });
    return links;
  }

  it('answers for held users on held connectors only', () => {
    const links = held();
    expect([...links.links('USER', 'u1', ['c1', 'c2'])!.keys()]).toEqual(['c1']);
    expect(links.links('USER', 'u2', ['c1'])!.size).toBe(0);
    expect(links.links('USER', 'u3', ['c1'])).toBeNull();
    expect(links.links('USER', 'u1', ['c3'])).toBeNull();
    expect(links.links('GROUP', 'u1', ['c1'])).toBeNull();
    expect(links.memberships('c1', 'u1')).toEqual(new Map([['g1', 'rg1']]));
    expect(links.memberships('c2', 'u1')).toEqual(new Map());
    expect(links.memberships('c3', 'u1')).toBeNull();
  });

  it('follows the links written meanwhile, and forgets a user once every hold is released', () => {
    const links = held();
    links.written([
      { connectorId: 'c2', entityType: 'USER', localId: 'u2', ref: ref('r2'), hash: 'h2' },
      { connectorId: 'c1', entityType: 'USER', localId: 'u1', ref: null },
      { connectorId: 'c2', entityType: 'MEMBER', localId: 'u2/g2', ref: ref('rg2') },
      { connectorId: 'c1', entityType: 'MEMBER', localId: 'u1', ref: null, prefix: true },
      { connectorId: 'c1', entityType: 'MEMBER', localId: 'g1', ref: null, members: true },
    ]);
    expect(links.links('USER', 'u2', ['c2'])!.get('c2')).toMatchObject({
      remoteId: 'r2',
      attributesHash: 'h2',
    });
    expect(links.links('USER', 'u1', ['c1'])!.size).toBe(0);
    expect(links.memberships('c2', 'u2')).toEqual(new Map([['g2', 'rg2']]));
    expect(links.memberships('c1', 'u1')).toEqual(new Map());
    expect(links.memberships('c1', 'u2')).toEqual(new Map());
    links.add(['c1'], ['u1'], { users: [], members: [] });
    links.release(['u1', 'u2']);
    expect(links.links('USER', 'u1', ['c1'])).not.toBeNull();
    expect(links.links('USER', 'u2', ['c1'])).toBeNull();
    links.release(['u1']);
    expect(links.links('USER', 'u1', ['c1'])).toBeNull();
  });

  it('stops answering for users whose link write failed, and after HOLD_MS', () => {
    const links = held();
    links.forget([{ connectorId: 'c1', entityType: 'MEMBER', localId: 'u2/g1', ref: null }]);
    expect(links.links('USER', 'u2', ['c1'])).toBeNull();
    expect(links.memberships('c1', 'u2')).toBeNull();
    expect(links.links('USER', 'u1', ['c1'])).not.toBeNull();
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + HOLD_MS);
    try {
      expect(links.links('USER', 'u1', ['c1'])).toBeNull();
    } finally {
      clock.mockRestore();
    }
  });
});
