// Provisions users and groups to Google Workspace through the Admin SDK Directory API v1. A create
// that meets 409 adopts the existing user or group; deletes of what is already gone count as done.
// One JWT client per provisioner keeps the access token, renewed once when a call meets 401.
import { randomBytes } from 'node:crypto';
import { admin_directory_v1 } from 'googleapis/build/src/apis/admin';
import { ConnectorError } from '../../common/connector-error';
import { stateOf } from '../target-state';
import type { ProvisioningUser } from '../../provisioning/claims';
import type {
  GroupProvisioner,
  Provisioner,
  ProvisionerContext,
  RemoteRef,
} from '../connector-type';
import { accessToken, createJwtClient, dropToken } from './google-auth';
import {
  apiError,
  describeBody,
  isTokenFailure,
  tokenError,
  type GaxiosLike,
  type GaxiosResponseLike,
} from './google-errors';
import {
  apiRootOf,
  groupEmailOf,
  insertUserBody,
  tokenUrlOf,
  updateUserBody,
  type UserContext,
} from './google-requests';

type Json = Record<string, unknown>;
type Call = () => Promise<{ status: number; data: unknown }>;

/** Google requires a password on insert (8 to 100 characters); nobody ever learns this one. */
function randomPassword(): string {
  return `${randomBytes(24).toString('base64url')}aA1!`;
}

/** The JSON object a success carries, or INVALID_RESPONSE (an HTML page, a cut-off body). */
function json(response: GaxiosResponseLike, what: string): Json {
  if (response.data && typeof response.data === 'object') return response.data as Json;
  throw new ConnectorError(
    `${what}: HTTP ${response.status}: ${describeBody(response)}`,
    'INVALID_RESPONSE',
    false,
    response.status,
  );
}

function resourceId(response: GaxiosResponseLike, what: string): string {
  const id = json(response, what).id;
  if (typeof id === 'string' && id) return id;
  throw new ConnectorError(
    `${what}: HTTP ${response.status} without a resource id`,
    'INVALID_RESPONSE',
    false,
    response.status,
  );
}

function notFoundAfterConflict(what: string, key: string, kind: string): ConnectorError {
  return new ConnectorError(
    `${what}: 409 for "${key}" but no ${kind} has that address (an alias or another kind of account holds it)`,
    'GOOGLE_duplicate',
    false,
    409,
  );
}

export function createGoogleProvisioner(context: ProvisionerContext): Provisioner {
  const { config, timeoutMs } = context;
  const tokenUrl = tokenUrlOf(config);
  const client = createJwtClient(context);
  const directory = new admin_directory_v1.Admin({
    auth: client,
    rootUrl: apiRootOf(config),
    timeout: timeoutMs,
    retry: false,
  });

  async function token(): Promise<string | null> {
    try {
      return await accessToken(client);
    } catch (error) {
      throw tokenError(error, tokenUrl, timeoutMs);
    }
  }

  /** One Directory API call: statuses in `accept` resolve; a 401 renews the token once and retries. */
  async function send(call: Call, accept: number[] = []): Promise<GaxiosResponseLike> {
    for (let renewed = false; ; renewed = true) {
      const used = await token();
      await context.pace.beforeRequest();
      try {
        return await call();
      } catch (error) {
        if (isTokenFailure(error, tokenUrl)) throw tokenError(error, tokenUrl, timeoutMs);
        const response = (error as GaxiosLike).response;
        if (response && accept.includes(response.status)) return response;
        if (response?.status === 401 && !renewed) {
          dropToken(client, used);
          continue;
        }
        const failure = apiError(error, timeoutMs);
        context.pace.afterResponse(failure.status, failure.retryAfterMs);
        throw failure;
      }
    }
  }

  const userContext = (user: ProvisioningUser): UserContext => ({
    user,
    config,
    identityProviderName: context.identityProviderName,
    claimMappings: context.claimMappings,
  });

  async function updateUser(remoteId: string, user: ProvisioningUser): Promise<RemoteRef> {
    const body = updateUserBody(userContext(user));
    const response = await send(() =>
      directory.users.update({ userKey: remoteId, requestBody: body }),
    );
    json(response, 'update user');
    return { remoteId, remoteName: body.primaryEmail };
  }

  async function adoptUser(primaryEmail: string, user: ProvisioningUser): Promise<RemoteRef> {
    const found = await send(() => directory.users.get({ userKey: primaryEmail }), [404]);
    // users.get also resolves aliases: adopt only the account whose primary address this is.
    if (
      found.status === 404 ||
      String(json(found, 'adopt user').primaryEmail).toLowerCase() !== primaryEmail.toLowerCase()
    )
      throw notFoundAfterConflict('create user', primaryEmail, 'user');
    return updateUser(resourceId(found, 'adopt user'), user);
  }

  // A group is known by its name (remoteName); its address, made from the first name, stays.
  const groups: GroupProvisioner = {
    async createGroup(group) {
      const email = groupEmailOf(group, config);
      const created = await send(
        () => directory.groups.insert({ requestBody: { email, name: group.name } }),
        [409],
      );
      if (created.status !== 409)
        return { remoteId: resourceId(created, 'create group'), remoteName: group.name };
      const found = await send(() => directory.groups.get({ groupKey: email }), [404]);
      if (found.status === 404) throw notFoundAfterConflict('create group', email, 'group');
      const remoteId = resourceId(found, 'adopt group');
      // Only our own group is adopted: "R&D" and "R-D" share an address but are not the same group.
      const existing = json(found, 'adopt group').name;
      if (existing !== group.name) {
        throw new ConnectorError(
          `create group: the address ${email} belongs to the group "${String(existing)}", not "${group.name}"`,
          'GOOGLE_duplicate',
          false,
          409,
        );
      }
      return { remoteId, remoteName: group.name };
    },
    async renameGroup(remoteId, group) {
      const response = await send(() =>
        directory.groups.patch({ groupKey: remoteId, requestBody: { name: group.name } }),
      );
      json(response, 'rename group');
      return { remoteId, remoteName: group.name };
    },
    async deleteGroup(remoteId) {
      await send(() => directory.groups.delete({ groupKey: remoteId }), [404]);
    },
    async compareGroup(remoteId, group) {
      const found = await send(() => directory.groups.get({ groupKey: remoteId }), [404]);
      if (found.status === 404) return 'gone';
      return stateOf({ name: group.name }, json(found, 'read group'));
    },
    async addMember(groupRemoteId, userRemoteId) {
      // 409 is Google's "Member already exists".
      await send(
        () =>
          directory.members.insert({
            groupKey: groupRemoteId,
            requestBody: { id: userRemoteId, role: 'MEMBER' },
          }),
        [409],
      );
    },
    async removeMember(groupRemoteId, userRemoteId) {
      await send(
        () => directory.members.delete({ groupKey: groupRemoteId, memberKey: userRemoteId }),
        [404],
      );
    },
  };

  return {
    async createUser(user) {
      const body = insertUserBody(userContext(user), randomPassword());
      const created = await send(() => directory.users.insert({ requestBody: body }), [409]);
      if (created.status === 409) return adoptUser(body.primaryEmail, user);
      return { remoteId: resourceId(created, 'create user'), remoteName: body.primaryEmail };
    },
    updateUser,
    async deleteUser(remoteId) {
      await send(() => directory.users.delete({ userKey: remoteId }), [404]);
    },
    async compareUser(remoteId, user) {
      const found = await send(() => directory.users.get({ userKey: remoteId }), [404]);
      if (found.status === 404) return 'gone';
      return stateOf(updateUserBody(userContext(user)), json(found, 'read user'));
    },
    groups,
  };
}
