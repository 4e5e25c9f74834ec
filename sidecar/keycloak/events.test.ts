// Event parsing: every fixture of keycloak-events.md §1.10 in the SPI (Kafka listener) shape of
// Keycloak 24, 25 and 26 and in the REST shape of 24/25, 26.1 and latest, mapped per DESIGN §7;
// noise and error events ignored; malformed messages rejected with a reason.
import { MalformedEventError, parseKeycloakEvent, type KeycloakChange } from './events';

type Json = Record<string, any>;

const REALM_ID = '6f2c1d8e-1111-4a2b-9c3d-000000000001';
const MASTER_ID = 'a0a0a0a0-0000-4000-8000-00000000master';
const USER_ID = '7e0f3a52-2222-4c3d-8e4f-000000000002';
const GROUP_ID = '5c2a0000-3333-4c3d-8e4f-000000000003';
const PARENT_ID = '5c2a0000-3333-4c3d-8e4f-000000000004';
const AUTH = {
  realmId: MASTER_ID,
  realmName: 'master',
  clientId: 'c1c1c1c1-0000-4000-8000-000000000005',
  userId: 'adadadad-0000-4000-8000-000000000006',
  ipAddress: '10.0.0.9',
};
const GROUP_REP = {
  id: GROUP_ID,
  name: 'engineering',
  path: '/engineering',
  subGroups: [],
  attributes: {},
  realmRoles: [],
  clientRoles: {},
};

/** A user event as a SnuK87-style listener serialises it on Keycloak 26 (nulls included). */
function userEvent(n: number, type: string, extra: Json = {}): Json {
  return {
    id: `0b8f5c1e-4c1f-4b7a-9d1c-2f1a9e0c${String(n).padStart(4, '0')}`,
    time: 1727000000000 + n * 100,
    type,
    realmId: REALM_ID,
    realmName: 'acme',
    clientId: 'account-console',
    userId: USER_ID,
    sessionId: null,
    ipAddress: '10.0.0.5',
    error: null,
    details: null,
    ...extra,
  };
}

/** An admin event as a SnuK87-style listener serialises it on Keycloak 26. */
function adminEvent(
  n: number,
  resourceType: string,
  operationType: string,
  resourcePath: string,
  representation: unknown,
  extra: Json = {},
): Json {
  return {
    id: `9d3e0000-0000-0000-0000-00000000${String(n).padStart(4, '0')}`,
    time: 1727000001000 + n * 1000,
    realmId: REALM_ID,
    realmName: 'acme',
    authDetails: AUTH,
    resourceType,
    resourceTypeAsString: resourceType,
    operationType,
    resourcePath,
    representation: representation === null ? null : JSON.stringify(representation),
    error: null,
    details: null,
    ...extra,
  };
}

const without = (json: Json, ...keys: string[]): Json =>
  Object.fromEntries(Object.entries(json).filter(([k]) => !keys.includes(k)));

/** The same event as each Keycloak version and shape delivers it (§1.1–1.3, §1.10 variants). */
function variants(spi: Json): [string, Json][] {
  const admin = 'operationType' in spi;
  const authNoName = spi.authDetails ? { authDetails: without(spi.authDetails, 'realmName') } : {};
  if (!admin)
    return [
      ['SPI 26', spi],
      ['SPI 25', spi],
      ['SPI 24', without(spi, 'realmName')],
      ['REST latest', without(spi, 'realmName')],
      ['REST 25 (no id)', without(spi, 'realmName', 'id')],
    ];
  const rest = { ...without(spi, 'realmName', 'resourceTypeAsString'), ...authNoName };
  return [
    ['SPI 26', spi],
    ['SPI 25', without(spi, 'details')],
    ['SPI 24', { ...without(spi, 'realmName', 'details'), ...authNoName }],
    ['REST latest', { ...rest, details: spi.details ?? {} }],
    ['REST 26.1', { ...without(rest, 'id'), details: spi.details ?? {} }],
    ['REST 24/25', without(rest, 'id', 'details')],
  ];
}

const parse = (json: Json) => parseKeycloakEvent(JSON.stringify(json));

/** Checks the common fields, then returns what is specific to the change. */
function specific(change: KeycloakChange, label: string, source: Json): Json {
  const hasName = label === 'SPI 26' || label === 'SPI 25';
  expect(change.realm).toEqual({ id: REALM_ID, name: hasName ? 'acme' : null });
  expect(change.time).toBe(source.time);
  expect(change.eventId).toEqual(source.id ?? expect.stringMatching(/^sha256:[0-9a-f]{32}$/));
  const {
    eventId: _e,
    time: _t,
    realm: _r,
    ...rest
  } = change as KeycloakChange & { [k: string]: unknown };
  return rest;
}

const FIXTURES: [string, Json, Json][] = [
  [
    'REGISTER (form)',
    userEvent(1, 'REGISTER', {
      details: {
        auth_method: 'openid-connect',
        auth_type: 'code',
        register_method: 'form',
        redirect_uri: 'https://app.example.com/',
        code_id: 'c0de0000-0000-0000-0000-000000000003',
        email: 'jdoe@example.com',
        username: 'jdoe',
      },
    }),
    {
      kind: 'user',
      operation: 'CREATE',
      userId: USER_ID,
      eventKind: 'user',
      eventType: 'REGISTER',
    },
  ],
  [
    'REGISTER (broker first login)',
    userEvent(2, 'REGISTER', {
      clientId: 'my-app',
      details: {
        register_method: 'broker',
        identity_provider: 'google',
        identity_provider_identity: 'jdoe@gmail.com',
        email: 'jdoe@gmail.com',
      },
    }),
    {
      kind: 'user',
      operation: 'CREATE',
      userId: USER_ID,
      eventKind: 'user',
      eventType: 'REGISTER',
    },
  ],
  [
    'UPDATE_PROFILE',
    userEvent(3, 'UPDATE_PROFILE', {
      sessionId: '5e55',
      details: { context: 'ACCOUNT', previous_first_name: 'John', updated_first_name: 'Jon' },
    }),
    { kind: 'user', operation: 'UPDATE', userId: USER_ID, eventType: 'UPDATE_PROFILE' },
  ],
  [
    'UPDATE_EMAIL',
    userEvent(4, 'UPDATE_EMAIL', {
      details: { previous_email: 'jdoe@example.com', updated_email: 'john.doe@example.com' },
    }),
    { kind: 'user', operation: 'UPDATE', userId: USER_ID, eventType: 'UPDATE_EMAIL' },
  ],
  [
    'DELETE_ACCOUNT',
    userEvent(5, 'DELETE_ACCOUNT'),
    { kind: 'user', operation: 'DELETE', userId: USER_ID, eventType: 'DELETE_ACCOUNT' },
  ],
  [
    'admin USER CREATE',
    adminEvent(10, 'USER', 'CREATE', `users/${USER_ID}`, {
      username: 'jdoe',
      enabled: true,
      emailVerified: false,
      firstName: 'John',
      lastName: 'Doe',
      email: 'jdoe@example.com',
      requiredActions: [],
      groups: ['/engineering'],
      attributes: { department: ['R&D'] },
    }),
    {
      kind: 'user',
      operation: 'CREATE',
      userId: USER_ID,
      eventKind: 'admin',
      eventType: 'USER:CREATE',
    },
  ],
  [
    'admin USER UPDATE (partial body)',
    adminEvent(11, 'USER', 'UPDATE', `users/${USER_ID}`, {
      username: 'jdoe',
      enabled: false,
      emailVerified: true,
      requiredActions: [],
    }),
    { kind: 'user', operation: 'UPDATE', userId: USER_ID, eventType: 'USER:UPDATE' },
  ],
  [
    'admin USER DELETE (no representation)',
    adminEvent(12, 'USER', 'DELETE', `users/${USER_ID}`, null),
    { kind: 'user', operation: 'DELETE', userId: USER_ID, eventType: 'USER:DELETE' },
  ],
  [
    'admin GROUP_MEMBERSHIP CREATE',
    adminEvent(13, 'GROUP_MEMBERSHIP', 'CREATE', `users/${USER_ID}/groups/${GROUP_ID}`, GROUP_REP, {
      details: { username: 'jdoe', email: 'jdoe@example.com' },
    }),
    {
      kind: 'membership',
      change: 'ADD_MEMBER',
      userId: USER_ID,
      groupId: GROUP_ID,
      groupName: 'engineering',
      groupPath: '/engineering',
      orderingKey: USER_ID,
    },
  ],
  [
    'admin GROUP_MEMBERSHIP DELETE',
    adminEvent(14, 'GROUP_MEMBERSHIP', 'DELETE', `users/${USER_ID}/groups/${GROUP_ID}`, GROUP_REP),
    { kind: 'membership', change: 'REMOVE_MEMBER', userId: USER_ID, groupId: GROUP_ID },
  ],
  [
    'admin REALM_ROLE_MAPPING CREATE',
    adminEvent(15, 'REALM_ROLE_MAPPING', 'CREATE', `users/${USER_ID}/role-mappings/realm`, [
      { id: 'r0r0', name: 'crm-user', composite: false, clientRole: false, containerId: REALM_ID },
    ]),
    { kind: 'user', operation: 'UPDATE', userId: USER_ID, eventType: 'REALM_ROLE_MAPPING:CREATE' },
  ],
  [
    'admin CLIENT_ROLE_MAPPING DELETE',
    adminEvent(
      16,
      'CLIENT_ROLE_MAPPING',
      'DELETE',
      `users/${USER_ID}/role-mappings/clients/c1c1c1c1-0000-4000-8000-000000000007`,
      [{ id: 'r1r1', name: 'viewer', composite: false, clientRole: true, containerId: 'c1c1' }],
    ),
    { kind: 'user', operation: 'UPDATE', userId: USER_ID, orderingKey: USER_ID },
  ],
  [
    'admin REALM_ROLE_MAPPING with a null representation (26.6.3, #51459)',
    adminEvent(17, 'REALM_ROLE_MAPPING', 'DELETE', `users/${USER_ID}/role-mappings/realm`, null),
    { kind: 'user', operation: 'UPDATE', userId: USER_ID },
  ],
  [
    'admin GROUP CREATE',
    adminEvent(18, 'GROUP', 'CREATE', `groups/${GROUP_ID}`, { id: GROUP_ID, name: 'engineering' }),
    {
      kind: 'group',
      operation: 'CREATE',
      groupId: GROUP_ID,
      name: 'engineering',
      path: null,
      orderingKey: GROUP_ID,
      eventType: 'GROUP:CREATE',
    },
  ],
  [
    'admin GROUP UPDATE (rename)',
    adminEvent(19, 'GROUP', 'UPDATE', `groups/${GROUP_ID}`, { ...GROUP_REP, name: 'eng' }),
    { kind: 'group', operation: 'UPDATE', groupId: GROUP_ID, name: 'eng', path: '/engineering' },
  ],
  [
    'admin GROUP DELETE (no representation)',
    adminEvent(20, 'GROUP', 'DELETE', `groups/${GROUP_ID}`, null),
    { kind: 'group', operation: 'DELETE', groupId: GROUP_ID, name: null, path: null },
  ],
  [
    'admin GROUP CREATE of a sub-group (path names the parent)',
    adminEvent(21, 'GROUP', 'CREATE', `groups/${PARENT_ID}/children`, {
      id: GROUP_ID,
      name: 'backend',
    }),
    {
      kind: 'group',
      operation: 'CREATE',
      groupId: GROUP_ID,
      name: 'backend',
      orderingKey: GROUP_ID,
    },
  ],
];

describe('parseKeycloakEvent maps §1.10 fixtures in every shape', () => {
  const cases = FIXTURES.flatMap(([name, spi, expected]) =>
    variants(spi).map(([label, json]) => [name, label, json, expected] as const),
  );

  it.each(cases)('%s — %s', (_name, label, json, expected) => {
    const change = parse(json);
    expect(specific(change, label, json)).toMatchObject(expected);
    if (change.kind === 'user' || change.kind === 'membership')
      expect(change.orderingKey).toBe(change.userId);
  });

  it('names the realm of the resource, never the admin realm of authDetails', () => {
    const change = parse(adminEvent(30, 'USER', 'CREATE', `users/${USER_ID}`, { username: 'x' }));
    expect(change.realm).toEqual({ id: REALM_ID, name: 'acme' });
  });

  it('reads a Buffer as it reads a string', () => {
    const text = JSON.stringify(userEvent(31, 'REGISTER'));
    expect(parseKeycloakEvent(Buffer.from(text))).toEqual(parseKeycloakEvent(text));
  });

  it('gives an event without id a stable hash of its message', () => {
    const json = without(userEvent(32, 'REGISTER'), 'id');
    const first = parse(json);
    expect(parse(json).eventId).toBe(first.eventId);
    expect(parse({ ...json, time: json.time + 1 }).eventId).not.toBe(first.eventId);
  });

  it('ignores unknown fields', () => {
    const change = parse({
      ...adminEvent(33, 'USER', 'UPDATE', `users/${USER_ID}`, { username: 'jdoe' }),
      resourceId: 'not-a-keycloak-field',
      extension: { nested: [1, 2, 3] },
      details: { anything: 'goes' },
    });
    expect(change).toMatchObject({ kind: 'user', operation: 'UPDATE', userId: USER_ID });
    const user = parse({ ...userEvent(34, 'REGISTER'), user: { id: USER_ID }, future: true });
    expect(user).toMatchObject({ kind: 'user', operation: 'CREATE' });
  });

  it('takes the raw resource type of a custom SPI type (resourceType CUSTOM)', () => {
    const change = parse({
      ...adminEvent(35, 'CUSTOM', 'CREATE', `users/${USER_ID}`, null),
      resourceTypeAsString: 'MY_EXTENSION',
    });
    expect(change).toMatchObject({ kind: 'ignored', eventType: 'MY_EXTENSION:CREATE' });
  });
});

describe('parseKeycloakEvent ignores what does not change provisioning', () => {
  const IGNORED: [string, Json, RegExp][] = [
    ['LOGIN', userEvent(40, 'LOGIN'), /LOGIN does not change/],
    ['VERIFY_EMAIL', userEvent(41, 'VERIFY_EMAIL'), /VERIFY_EMAIL/],
    [
      'LOGIN_ERROR without a user',
      userEvent(42, 'LOGIN_ERROR', { userId: null, error: 'user_not_found' }),
      /error event \(user_not_found\)/,
    ],
    [
      'REGISTER_ERROR',
      userEvent(43, 'REGISTER_ERROR', { error: 'invalid_registration' }),
      /error event/,
    ],
    ['a *_ERROR type without error text', userEvent(44, 'UPDATE_PROFILE_ERROR'), /error event/],
    [
      'an admin event with error set',
      adminEvent(45, 'USER', 'CREATE', `users/${USER_ID}`, { username: 'x' }, { error: 'boom' }),
      /error event \(boom\)/,
    ],
    [
      'reset-password (USER ACTION)',
      adminEvent(46, 'USER', 'ACTION', `users/${USER_ID}/reset-password`, null),
      /USER ACTION/,
    ],
    [
      'a federated identity link (USER CREATE on a sub-resource)',
      adminEvent(47, 'USER', 'CREATE', `users/${USER_ID}/federated-identity/google`, {
        identityProvider: 'google',
      }),
      /sub-resource/,
    ],
    [
      'an unlocked user (USER_LOGIN_FAILURE DELETE)',
      adminEvent(48, 'USER_LOGIN_FAILURE', 'DELETE', `users/${USER_ID}`, null),
      /USER_LOGIN_FAILURE events/,
    ],
    [
      'a client update',
      adminEvent(49, 'CLIENT', 'UPDATE', 'clients/c1c1', { clientId: 'app' }),
      /CLIENT events/,
    ],
    [
      'a group role mapping',
      adminEvent(50, 'REALM_ROLE_MAPPING', 'CREATE', `groups/${GROUP_ID}/role-mappings/realm`, []),
      /group role mappings/,
    ],
    [
      'GROUP permissions (a sub-resource)',
      adminEvent(51, 'GROUP', 'UPDATE', `groups/${GROUP_ID}/management/permissions`, {}),
      /sub-resource/,
    ],
  ];

  it.each(IGNORED)('%s', (_name, json, reason) => {
    const change = parse(json);
    expect(change.kind).toBe('ignored');
    expect(change.kind === 'ignored' && change.reason).toMatch(reason);
    expect(change.eventId).toBe(json.id);
  });

  it('keys ignored events by the user they concern where known', () => {
    expect(parse(userEvent(52, 'LOGIN')).orderingKey).toBe(USER_ID);
    expect(parse(userEvent(53, 'LOGIN_ERROR', { userId: null })).orderingKey).toBe(REALM_ID);
    expect(
      parse(adminEvent(54, 'USER', 'ACTION', `users/${USER_ID}/logout`, null)).orderingKey,
    ).toBe(USER_ID);
  });
});

describe('parseKeycloakEvent rejects malformed messages', () => {
  const user = userEvent(60, 'REGISTER');
  const member = adminEvent(61, 'GROUP_MEMBERSHIP', 'CREATE', `users/${USER_ID}/groups/x`, null);
  const MALFORMED: [string, Buffer | string | null, RegExp][] = [
    ['a tombstone', null, /tombstone/],
    ['an empty message', '  ', /empty/],
    ['not JSON', 'REGISTER jdoe', /not JSON/],
    ['a JSON array', '[{"type":"REGISTER"}]', /not a JSON object/],
    ['no realmId', JSON.stringify(without(user, 'realmId')), /realmId is missing/],
    ['a numeric realmId', JSON.stringify({ ...user, realmId: 7 }), /realmId is not a string/],
    ['no time', JSON.stringify(without(user, 'time')), /time/],
    ['time as text', JSON.stringify({ ...user, time: '2024-09-22T10:00:00Z' }), /time/],
    [
      'neither type nor operationType',
      JSON.stringify(without(user, 'type')),
      /neither a user event/,
    ],
    ['a numeric type', JSON.stringify({ ...user, type: 3 }), /type is not a string/],
    ['REGISTER without userId', JSON.stringify({ ...user, userId: null }), /has no userId/],
    [
      'admin USER CREATE without resourcePath',
      JSON.stringify({ ...adminEvent(62, 'USER', 'CREATE', '', null), resourcePath: null }),
      /has no resourcePath/,
    ],
    [
      'admin event without operationType',
      JSON.stringify(without(member, 'operationType')),
      /operationType is missing/,
    ],
    [
      'admin event without resource type',
      JSON.stringify(without(member, 'resourceType', 'resourceTypeAsString')),
      /resourceType is missing/,
    ],
    [
      'USER on a non-user path',
      JSON.stringify(adminEvent(63, 'USER', 'UPDATE', `groups/${GROUP_ID}`, null)),
      /expected users\/<id>/,
    ],
    [
      'membership without a group id',
      JSON.stringify(adminEvent(64, 'GROUP_MEMBERSHIP', 'CREATE', `users/${USER_ID}/groups`, null)),
      /expected users\/<userId>\/groups\/<groupId>/,
    ],
    [
      'membership on groups/<gid>/groups/<gid> (scim-for-keycloak#155)',
      JSON.stringify(adminEvent(65, 'GROUP_MEMBERSHIP', 'DELETE', 'groups/a/groups/b', null)),
      /expected users\/<userId>\/groups\/<groupId>/,
    ],
    [
      'an empty path segment',
      JSON.stringify(adminEvent(66, 'GROUP_MEMBERSHIP', 'CREATE', `users//groups/x`, null)),
      /empty segment/,
    ],
    [
      'an unparseable representation',
      JSON.stringify({ ...member, representation: '{"id":"x","name":' }),
      /representation is not JSON/,
    ],
    [
      'a representation that is an object, not JSON text',
      JSON.stringify({ ...member, representation: GROUP_REP }),
      /representation is not a string/,
    ],
    [
      'a group representation that is not an object',
      JSON.stringify({ ...member, representation: '["engineering"]' }),
      /group representation is not a JSON object/,
    ],
    [
      'a sub-group create without the child id',
      JSON.stringify(
        adminEvent(67, 'GROUP', 'CREATE', `groups/${PARENT_ID}/children`, { name: 'x' }),
      ),
      /no child id/,
    ],
  ];

  it.each(MALFORMED)('%s', (_name, value, reason) => {
    let thrown: unknown;
    try {
      parseKeycloakEvent(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MalformedEventError);
    expect((thrown as MalformedEventError).reason).toMatch(reason);
    expect((thrown as MalformedEventError).message).toMatch(/^malformed Keycloak event: /);
  });

  it('carries the event id when the message had one', () => {
    expect(() => parse({ ...user, userId: null })).toThrow(
      expect.objectContaining({ eventId: user.id, reason: 'user event REGISTER has no userId' }),
    );
  });
});
