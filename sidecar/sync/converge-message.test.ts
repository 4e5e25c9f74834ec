// A sync's page message: split into one converge per object, each with its own event id and a
// message of its own for its dead letter; anything short of a page is malformed.
import { MalformedEventError, parseKeycloakEvent } from '../keycloak/events';
import { encodeConvergePage, encodeObject, type ConvergeChange } from './converge-message';

const JOB = {
  syncJobId: 'job-1',
  identityProviderId: 'idp-1',
  connectorId: null,
  realmName: 'acme',
  entity: 'user' as const,
  dryRun: false,
};

it('splits a page into one converge per object, in order, with its place in the realm', () => {
  const { key, value } = encodeConvergePage({ ...JOB, ids: ['u1', 'u2', 'u3'], first: 300 });
  expect(key).toBe('u1');
  const page = parseKeycloakEvent(value);
  if (page.kind !== 'converge-page') throw new Error(`parsed as ${page.kind}`);
  expect(page.first).toBe(300);
  expect(page.objects.map((o) => [o.id, o.eventId, o.orderingKey])).toEqual([
    ['u1', 'sync:job-1/user/u1', 'u1'],
    ['u2', 'sync:job-1/user/u2', 'u2'],
    ['u3', 'sync:job-1/user/u3', 'u3'],
  ]);
  // An object's own message (its dead letter) parses back to the same single converge.
  const single = parseKeycloakEvent(encodeObject(page.objects[1]).value) as ConvergeChange;
  expect(single).toMatchObject({ kind: 'converge', id: 'u2', syncJobId: 'job-1', dryRun: false });
});

it.each([
  ['no ids', { ids: [], first: 0 }],
  ['an id that is not a string', { ids: ['u1', 7], first: 0 }],
  ['a negative place', { ids: ['u1'], first: -1 }],
  ['neither id nor ids', {}],
])('refuses a page with %s as malformed', (_, page) => {
  const value = JSON.stringify({ converge: { ...JOB, ...page } });
  expect(() => parseKeycloakEvent(value)).toThrow(MalformedEventError);
});
