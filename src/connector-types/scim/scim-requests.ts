// The SCIM requests for users, shared by the preview (secrets redacted) and the provisioner.
import type { ClaimMappingRule, ProvisioningUser } from '../../provisioning/claims';
import type { FieldValues } from '../connector-type';
import { text } from '../field-values';
import { PATCH_OP_SCHEMA, type ScimDialect } from './scim-dialect';
import { scimAttributes, scimSchemas, scimUserName } from './scim-user';

export interface ScimTarget {
  dialect: ScimDialect;
  userEndpoint: string;
  userStoreDomain: string | undefined;
}

export interface ScimRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  body?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

export function scimTarget(dialect: ScimDialect, config: FieldValues): ScimTarget {
  return {
    dialect,
    userEndpoint: (text(config, 'userEndpoint') ?? '').replace(/\/+$/, ''),
    userStoreDomain: text(config, 'userStoreDomain'),
  };
}

export function userResource(
  target: ScimTarget,
  user: ProvisioningUser,
  mappings: ClaimMappingRule[],
) {
  const userName = scimUserName(user.username, target.userStoreDomain);
  const attributes = scimAttributes(user, mappings);
  const resource: Json = {
    schemas: scimSchemas(target.dialect, attributes),
    userName,
    ...attributes,
  };
  return { userName, attributes, resource };
}

const userUrl = (target: ScimTarget, remoteId: string) =>
  `${target.userEndpoint}/${encodeURIComponent(remoteId)}`;

export function createUserRequest(
  target: ScimTarget,
  resource: Json,
  password: string | undefined,
): ScimRequest {
  return {
    method: 'POST',
    url: target.userEndpoint,
    body: password ? { ...resource, password } : resource,
  };
}

/** SCIM 2.0: a PatchOp replacing our attributes. SCIM 1.1: PUT of `current` with ours laid over it. */
export function updateUserRequest(
  target: ScimTarget,
  remoteId: string,
  built: ReturnType<typeof userResource>,
  current: Json = {},
): ScimRequest {
  if (target.dialect.updateMethod === 'PATCH') {
    const value = { userName: built.userName, ...built.attributes };
    return {
      method: 'PATCH',
      url: userUrl(target, remoteId),
      body: { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', value }] },
    };
  }
  const { meta: _meta, ...kept } = current;
  return {
    method: 'PUT',
    url: userUrl(target, remoteId),
    body: { ...kept, ...built.resource, id: remoteId },
  };
}

export function deleteUserRequest(target: ScimTarget, remoteId: string): ScimRequest {
  return { method: 'DELETE', url: userUrl(target, remoteId) };
}

export function getUserRequest(target: ScimTarget, remoteId: string): ScimRequest {
  return { method: 'GET', url: userUrl(target, remoteId) };
}

/** Several users by id in one search: `id eq "a" or id eq "b" …` (RFC 7644 §3.4.2.2). */
export function findUsersByIdRequest(target: ScimTarget, ids: readonly string[]): ScimRequest {
  const filter = ids.map((id) => `id eq ${JSON.stringify(id)}`).join(' or ');
  return {
    method: 'GET',
    url: `${target.userEndpoint}?filter=${encodeURIComponent(filter)}&count=${ids.length}`,
  };
}

/** RFC 7644 §3.4.2.2: string values in filters are quoted, with '"' and '\' escaped. */
export function findUserRequest(target: ScimTarget, userName: string): ScimRequest {
  const quoted = JSON.stringify(userName);
  return {
    method: 'GET',
    url: `${target.userEndpoint}?filter=${encodeURIComponent(`userName eq ${quoted}`)}`,
  };
}
