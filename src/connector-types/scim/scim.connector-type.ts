// SCIM 1.1 and SCIM 2.0 connector types: one definition, two dialects. Basic auth from
// username/password, or a bearer token (which wins when both are stored).
import { UserInputError } from '../../common/errors';
import {
  field,
  jsonHeaders,
  REDACTED,
  type ConnectorType,
  type PreviewContext,
  type PreviewResult,
} from '../connector-type';
import { flag, validateValues } from '../field-values';
import { createScimProvisioner } from './scim-provisioner';
import { SCIM_1_1, SCIM_2_0, type ScimDialect } from './scim-dialect';
import {
  createUserRequest,
  deleteUserRequest,
  scimTarget,
  updateUserRequest,
  userResource,
} from './scim-requests';

const FIELDS = [
  field('username', 'Username', 'STRING', { description: 'HTTP Basic user name' }),
  field('password', 'Password', 'STRING', { secret: true, description: 'HTTP Basic password' }),
  field('bearerToken', 'Bearer Token', 'STRING', {
    secret: true,
    description: 'Alternative to Basic authentication',
  }),
  field('userEndpoint', 'User Endpoint', 'URL', { required: true }),
  field('groupEndpoint', 'Group Endpoint', 'URL'),
  field('userStoreDomain', 'User Store Domain', 'STRING', {
    description: 'Prefixes user and group names as DOMAIN/name',
  }),
  field('enablePasswordProvisioning', 'Enable Password Provisioning', 'BOOLEAN', {
    default: 'true',
  }),
  field('defaultPassword', 'Default Password', 'STRING', { secret: true }),
  field('useBulk', 'Use Bulk', 'BOOLEAN', {
    default: 'false',
    description:
      'Creates, updates and deletes users in SCIM Bulk requests where the service announces Bulk',
  }),
];

/** Create only: a password goes out if the user has one, a Default Password is set, or provisioning is on. */
function sendsPassword(context: PreviewContext): boolean {
  return (
    Boolean(context.user.password) ||
    context.secretsConfigured.has('defaultPassword') ||
    flag(context.config, 'enablePasswordProvisioning', true)
  );
}

export function scimAuthScheme(secretsConfigured: ReadonlySet<string>): 'Bearer' | 'Basic' {
  return secretsConfigured.has('bearerToken') ? 'Bearer' : 'Basic';
}

function previewFor(dialect: ScimDialect, context: PreviewContext): PreviewResult {
  const target = scimTarget(dialect, context.config);
  const built = userResource(target, context.user, context.claimMappings);
  const headers = jsonHeaders(`${scimAuthScheme(context.secretsConfigured)} ${REDACTED}`);
  const remoteId = context.remoteId ?? '';
  const request =
    context.operation === 'CREATE'
      ? createUserRequest(target, built.resource, sendsPassword(context) ? REDACTED : undefined)
      : context.operation === 'DELETE'
        ? deleteUserRequest(target, remoteId)
        : updateUserRequest(target, remoteId, built);
  return {
    provisionedId: built.userName,
    request: {
      ...request,
      headers: request.body ? headers : headers.slice(0, 1),
      body: request.body ?? null,
    },
  };
}

function scimConnectorType(dialect: ScimDialect): ConnectorType {
  return {
    type: dialect.type,
    label: dialect.label,
    claimsThroughMappings: true,
    fields: FIELDS,
    validate(values) {
      const result = validateValues(this, values);
      const basic = result.config.username !== undefined && result.secrets.password !== undefined;
      if (!basic && result.secrets.bearerToken === undefined) {
        throw new UserInputError(
          'SCIM needs a username and password, or a bearerToken',
          'password',
        );
      }
      return result;
    },
    preview: (context) => previewFor(dialect, context),
    create: (context) => createScimProvisioner(dialect, context),
  };
}

export const scim11ConnectorType = scimConnectorType(SCIM_1_1);
export const scim2ConnectorType = scimConnectorType(SCIM_2_0);
