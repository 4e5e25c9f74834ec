// Provisions users to a SCIM 1.1 or 2.0 service. A create that meets 409 adopts the existing user
// found by userName and updates it; a delete of a user already gone counts as done.
import { randomBytes } from 'node:crypto';
import { ConnectorError } from '../../common/connector-error';
import type { HttpResponse } from '../../common/http';
import type { ProvisioningUser } from '../../provisioning/claims';
import type { Provisioner, ProvisionerContext, RemoteRef } from '../connector-type';
import { flag } from '../field-values';
import type { ScimDialect } from './scim-dialect';
import {
  createUserRequest,
  deleteUserRequest,
  findUserRequest,
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

export function createScimProvisioner(
  dialect: ScimDialect,
  context: ProvisionerContext,
): Provisioner {
  const target = scimTarget(dialect, context.config);
  const headers = { authorization: authorization(context.secrets, context.config.username) };
  const send = (request: ScimRequest, accept?: number[]) =>
    context.http.send({ ...request, headers }, accept).catch(withScimDetail);

  async function update(remoteId: string, user: ProvisioningUser): Promise<RemoteRef> {
    const built = userResource(target, user, context.claimMappings);
    const current =
      dialect.updateMethod === 'PUT'
        ? ((await send(getUserRequest(target, remoteId))).body as Json)
        : undefined;
    await send(updateUserRequest(target, remoteId, built, current));
    return { remoteId, remoteName: built.userName };
  }

  return {
    async createUser(user) {
      const built = userResource(target, user, context.claimMappings);
      const response = await send(
        createUserRequest(target, built.resource, createPassword(context, user)),
        [409],
      );
      if (response.status !== 409)
        return { remoteId: resourceId(response, 'create user'), remoteName: built.userName };
      const found = (await send(findUserRequest(target, built.userName))).body as {
        Resources?: Json[];
      } | null;
      const existing = found?.Resources?.[0];
      if (!existing) {
        throw new ConnectorError(
          `create user: 409 for "${built.userName}" but no user with that userName was found`,
          'SCIM_uniqueness',
          false,
          409,
        );
      }
      return update(resourceId({ ...response, body: existing }, 'adopt user'), user);
    },
    updateUser: update,
    async deleteUser(remoteId) {
      await send(deleteUserRequest(target, remoteId), [404]);
    },
  };
}
