// The SCIM requests for groups and memberships: SCIM 2.0 PatchOps (RFC 7644 §3.5.2), SCIM 1.1
// partial PATCH where a member is removed with `operation: "delete"`.
import type { FieldValues } from '../connector-type';
import { text } from '../field-values';
import { PATCH_OP_SCHEMA, type ScimDialect } from './scim-dialect';
import type { ScimRequest } from './scim-requests';
import { scimUserName } from './scim-user';

export interface ScimGroupTarget {
  dialect: ScimDialect;
  groupEndpoint: string;
  userStoreDomain: string | undefined;
}

/** The Group Endpoint as configured, else the User Endpoint's sibling …/Groups; null when neither. */
export function scimGroupTarget(dialect: ScimDialect, config: FieldValues): ScimGroupTarget | null {
  const configured = text(config, 'groupEndpoint')?.replace(/\/+$/, '');
  const users = text(config, 'userEndpoint')?.replace(/\/+$/, '') ?? '';
  const groupEndpoint =
    configured ?? (/\/Users$/.test(users) ? users.replace(/Users$/, 'Groups') : null);
  if (!groupEndpoint) return null;
  return { dialect, groupEndpoint, userStoreDomain: text(config, 'userStoreDomain') };
}

/** Group names get the User Store Domain prefix, like user names. */
export function scimGroupName(target: ScimGroupTarget, name: string): string {
  return scimUserName(name, target.userStoreDomain);
}

const groupUrl = (target: ScimGroupTarget, remoteId: string) =>
  `${target.groupEndpoint}/${encodeURIComponent(remoteId)}`;

function patch(
  target: ScimGroupTarget,
  remoteId: string,
  operations: object[],
  v1: object,
): ScimRequest {
  const body =
    target.dialect.updateMethod === 'PATCH'
      ? { schemas: [PATCH_OP_SCHEMA], Operations: operations }
      : { schemas: target.dialect.groupSchemas, ...v1 };
  return { method: 'PATCH', url: groupUrl(target, remoteId), body };
}

export function createGroupRequest(target: ScimGroupTarget, displayName: string): ScimRequest {
  return {
    method: 'POST',
    url: target.groupEndpoint,
    body: { schemas: target.dialect.groupSchemas, displayName },
  };
}

export function renameGroupRequest(
  target: ScimGroupTarget,
  remoteId: string,
  displayName: string,
): ScimRequest {
  return patch(target, remoteId, [{ op: 'replace', value: { displayName } }], { displayName });
}

export function addMemberRequest(
  target: ScimGroupTarget,
  remoteId: string,
  userRemoteId: string,
): ScimRequest {
  return addMembersRequest(target, remoteId, [userRemoteId]);
}

/** Several members in one PATCH: one `add` whose value lists them (RFC 7644 §3.5.2.1). */
export function addMembersRequest(
  target: ScimGroupTarget,
  remoteId: string,
  userRemoteIds: readonly string[],
): ScimRequest {
  const members = userRemoteIds.map((value) => ({ value }));
  return patch(target, remoteId, [{ op: 'add', path: 'members', value: members }], { members });
}

export function removeMemberRequest(
  target: ScimGroupTarget,
  remoteId: string,
  userRemoteId: string,
): ScimRequest {
  const path = `members[value eq ${JSON.stringify(userRemoteId)}]`;
  return patch(target, remoteId, [{ op: 'remove', path }], {
    members: [{ value: userRemoteId, operation: 'delete' }],
  });
}

/** The group without its members (RFC 7644 §3.9 excludedAttributes): only its name is compared. */
export function getGroupRequest(target: ScimGroupTarget, remoteId: string): ScimRequest {
  return { method: 'GET', url: `${groupUrl(target, remoteId)}?excludedAttributes=members` };
}

export function deleteGroupRequest(target: ScimGroupTarget, remoteId: string): ScimRequest {
  return { method: 'DELETE', url: groupUrl(target, remoteId) };
}

/** RFC 7644 §3.4.2.2 quoting, as for userName. */
export function findGroupRequest(target: ScimGroupTarget, displayName: string): ScimRequest {
  const filter = `displayName eq ${JSON.stringify(displayName)}`;
  return { method: 'GET', url: `${target.groupEndpoint}?filter=${encodeURIComponent(filter)}` };
}
