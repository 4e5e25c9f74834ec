// Provisions users to a SCIM 1.1 or 2.0 service. A create that meets 409 adopts the existing user
// found by userName and updates it; a delete of a user already gone counts as done. Groups live on
// the Group Endpoint; a group that already exists (409) is adopted by displayName.
import { randomBytes } from 'node:crypto';
import { ConnectorError } from '../../common/connector-error';
import type { HttpResponse } from '../../common/http';
import type { ProvisioningUser } from '../../provisioning/claims';
import type {
  GroupProvisioner,
  Provisioner,
  ProvisionerContext,
  RemoteRef,
} from '../connector-type';
import { flag } from '../field-values';
import { stateOf, type TargetState } from '../target-state';
import { ScimBulk } from './scim-bulk';
import type { ScimDialect } from './scim-dialect';
import {
  addMemberRequest,
  addMembersRequest,
  createGroupRequest,
  deleteGroupRequest,
  getGroupRequest,
  findGroupRequest,
  removeMemberRequest,
  renameGroupRequest,
  scimGroupName,
  scimGroupTarget,
  type ScimGroupTarget,
} from './scim-group-requests';
import {
  createUserRequest,
  deleteUserRequest,
  findUserRequest,
  findUsersByIdRequest,
  getUserRequest,
  scimTarget,
  updateUserRequest,
  userResource,
  type ScimRequest,
} from './scim-requests';

type Json = Record<string, unknown>;

function authorization(secrets: ProvisionerContext['secrets'], username: unknown): string {
  if (secrets.bearerToken) return `Bearer ${secrets.bearerToken}`;
  return `Basic ${Buffer.from(`${String(username)}:${secrets.password ?? ''}`).toString('base64')}`;
}

/** DESIGN §6, create only: the user's password, else the Default Password, else (if enabled) a random one. */
function createPassword(context: ProvisionerContext, user: ProvisioningUser): string | undefined {
  if (user.password) return user.password;
  if (context.secrets.defaultPassword) return context.secrets.defaultPassword;
  if (flag(context.config, 'enablePasswordProvisioning', true))
    return `${randomBytes(18).toString('base64url')}aA1!`;
  return undefined;
}

/** The id of a SCIM resource in a response, or a clear error when the target sent none. */
function resourceId(response: HttpResponse, what: string): string {
  const id = (response.body as Json | null)?.id;
  if (typeof id !== 'string' || !id) {
    throw new ConnectorError(
      `${what}: HTTP ${response.status} without a resource id`,
      'INVALID_RESPONSE',
      false,
      response.status,
    );
  }
  return id;
}

/** SCIM error bodies carry scimType and detail (RFC 7644 §3.12); put them in the message. */
function withScimDetail(error: unknown): never {
  if (error instanceof ConnectorError && error.cause && typeof error.cause === 'object') {
    const { scimType, detail } = error.cause as { scimType?: unknown; detail?: unknown };
    const extra = [scimType, detail].filter((v) => typeof v === 'string').join(': ');
    if (extra) {
      throw new ConnectorError(
        `${error.message} (${extra})`,
        typeof scimType === 'string' ? `SCIM_${scimType}` : error.code,
        error.retriable,
        error.status,
        {
          cause: error.cause,
          retryAfterMs: error.retryAfterMs,
        },
      );
    }
  }
  throw error;
}

/** On 409: the existing resource found by a filter, whose id we adopt. */
async function adopt(
  send: (request: ScimRequest) => Promise<HttpResponse>,
  search: ScimRequest,
  what: string,
): Promise<string> {
  const found = (await send(search)).body as { Resources?: Json[] } | null;
  const existing = found?.Resources?.[0];
  if (!existing) {
    throw new ConnectorError(
      `create: 409 for ${what} but the search found none`,
      'SCIM_uniqueness',
      false,
      409,
    );
  }
  return resourceId({ status: 200, headers: {}, body: existing }, `adopt ${what}`);
}

function scimGroups(
  target: ScimGroupTarget,
  send: (request: ScimRequest, accept?: number[]) => Promise<HttpResponse>,
): GroupProvisioner {
  return {
    async createGroup(group) {
      const name = scimGroupName(target, group.name);
      const response = await send(createGroupRequest(target, name), [409]);
      if (response.status !== 409)
        return { remoteId: resourceId(response, 'create group'), remoteName: name };
      const remoteId = await adopt(send, findGroupRequest(target, name), `group "${name}"`);
      return { remoteId, remoteName: name };
    },
    async renameGroup(remoteId, group) {
      const name = scimGroupName(target, group.name);
      await send(renameGroupRequest(target, remoteId, name));
      return { remoteId, remoteName: name };
    },
    async deleteGroup(remoteId) {
      await send(deleteGroupRequest(target, remoteId), [404]);
    },
    async compareGroup(remoteId, group) {
      const response = await send(getGroupRequest(target, remoteId), [404]);
      if (response.status === 404) return 'gone';
      return stateOf({ displayName: scimGroupName(target, group.name) }, response.body);
    },
    async addMember(groupId, userId) {
      await send(addMemberRequest(target, groupId, userId));
    },
    async addMembers(groupId, userIds) {
      await send(addMembersRequest(target, groupId, userIds));
    },
    async removeMember(groupId, userId) {
      // RFC 7644 §3.5.2: a remove whose filter matches no member is 400 noTarget; that is done.
      await send(removeMemberRequest(target, groupId, userId), [404]).catch((error: unknown) => {
        if (!(error instanceof ConnectorError && error.code === 'SCIM_noTarget')) throw error;
      });
    },
  };
}

export function createScimProvisioner(
  dialect: ScimDialect,
  context: ProvisionerContext,
): Provisioner {
  const target = scimTarget(dialect, context.config);
  const groupTarget = scimGroupTarget(dialect, context.config);
  const headers = { authorization: authorization(context.secrets, context.config.username) };
  const send = (request: ScimRequest, accept?: number[]) =>
    context.http.send({ ...request, headers }, accept).catch(withScimDetail);
  const bulkRoot = flag(context.config, 'useBulk', false) && ScimBulk.rootOf(target.userEndpoint);
  const bulk = bulkRoot
    ? new ScimBulk(dialect, bulkRoot, headers, context.http, context.unpacedHttp, context.pace)
    : null;
  /** A user's create, update or delete goes in a bulk where the service takes them, else alone. */
  const write = async (request: ScimRequest, accept: number[] = []) =>
    (await bulk?.send(request, accept).catch(withScimDetail)) ?? send(request, accept);

  async function update(remoteId: string, user: ProvisioningUser): Promise<RemoteRef> {
    const built = userResource(target, user, context.claimMappings);
    const current =
      dialect.updateMethod === 'PUT'
        ? ((await send(getUserRequest(target, remoteId))).body as Json)
        : undefined;
    await write(updateUserRequest(target, remoteId, built, current));
    return { remoteId, remoteName: built.userName };
  }

  async function compareUser(remoteId: string, user: ProvisioningUser): Promise<TargetState> {
    const response = await send(getUserRequest(target, remoteId), [404]);
    if (response.status === 404) return 'gone';
    return stateOf(userResource(target, user, context.claimMappings).resource, response.body);
  }

  /** Users found by id in one search; none where the target refuses such a filter (400, 501). */
  let filterRefused = false;
  async function findById(ids: string[]): Promise<Map<string, Json>> {
    if (filterRefused || ids.length < 2) return new Map();
    try {
      const body = (await send(findUsersByIdRequest(target, ids))).body as {
        Resources?: Json[];
      } | null;
      const resources = body?.Resources ?? [];
      return new Map(resources.flatMap((r) => (typeof r.id === 'string' ? [[r.id, r]] : [])));
    } catch (error) {
      if (!(error instanceof ConnectorError) || (error.status !== 400 && error.status !== 501))
        throw error;
      filterRefused = true;
      return new Map();
    }
  }

  return {
    async createUser(user) {
      const built = userResource(target, user, context.claimMappings);
      const response = await write(
        createUserRequest(target, built.resource, createPassword(context, user)),
        [409],
      );
      if (response.status !== 409)
        return { remoteId: resourceId(response, 'create user'), remoteName: built.userName };
      const search = findUserRequest(target, built.userName);
      return update(await adopt(send, search, `user "${built.userName}"`), user);
    },
    updateUser: update,
    async deleteUser(remoteId) {
      await write(deleteUserRequest(target, remoteId), [404]);
    },
    compareUser,
    async compareUsers(items) {
      const found = await findById(items.map((i) => i.remoteId));
      // A search only says "same": a user it lacks, or shows different (a server may ignore the
      // filter, cap the page or trim what a list shows), is read alone before it is called gone
      // or changed. One at a time: the batch holds one call slot.
      const states: TargetState[] = [];
      for (const { remoteId, user } of items) {
        const resource = found.get(remoteId);
        const sent = () => userResource(target, user, context.claimMappings).resource;
        if (resource && stateOf(sent(), resource) === 'same') states.push('same');
        else states.push(await compareUser(remoteId, user));
      }
      return states;
    },
    groups: groupTarget ? scimGroups(groupTarget, send) : undefined,
  };
}
