import { HeldLinks, HOLD_MS } from './held-links';

const ref = (remoteId: string) => ({ remoteId, remoteName: remoteId });

describe('HeldLinks', () => {
  function held() {
    const links = new HeldLinks();
    links.add(
      ['c1', 'c2'],
      ['u1', 'u2'],
      [{ connectorId: 'c1', localId: 'u1', remoteId: 'r1', remoteName: 'n1', attributesHash: 'h' }],
    );
    return links;
  }

  it('answers for held users on held connectors only', () => {
    const links = held();
    expect([...links.links('USER', 'u1', ['c1', 'c2'])!.keys()]).toEqual(['c1']);
    expect(links.links('USER', 'u2', ['c1'])!.size).toBe(0);
    expect(links.links('USER', 'u3', ['c1'])).toBeNull();
    expect(links.links('USER', 'u1', ['c3'])).toBeNull();
    expect(links.links('GROUP', 'u1', ['c1'])).toBeNull();
  });

  it('follows the links written meanwhile, and forgets a user once every hold is released', () => {
    const links = held();
    links.written([
      { connectorId: 'c2', entityType: 'USER', localId: 'u2', ref: ref('r2'), hash: 'h2' },
      { connectorId: 'c1', entityType: 'USER', localId: 'u1', ref: null },
    ]);
    expect(links.links('USER', 'u2', ['c2'])!.get('c2')).toMatchObject({
      remoteId: 'r2',
      attributesHash: 'h2',
    });
    expect(links.links('USER', 'u1', ['c1'])!.size).toBe(0);
    links.add(['c1'], ['u1'], []);
    links.release(['u1', 'u2']);
    expect(links.links('USER', 'u1', ['c1'])).not.toBeNull();
    expect(links.links('USER', 'u2', ['c1'])).toBeNull();
    links.release(['u1']);
    expect(links.links('USER', 'u1', ['c1'])).toBeNull();
  });

  it('stops answering for users whose link write failed, and after HOLD_MS', () => {
    const links = held();
    links.forget([{ connectorId: 'c1', entityType: 'USER', localId: 'u2', ref: ref('r2') }]);
    expect(links.links('USER', 'u2', ['c1'])).toBeNull();
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
