// Salesforce (REST API, sobjects/User): Username from the provisioning pattern and the
// Provisioning Domain; every mapped remote claim becomes a User field; delete deactivates.
import { UserInputError } from '../../common/errors';
import { isDisabled, mapClaims } from '../../provisioning/claims';
import { DEFAULT_SEPARATOR } from '../../provisioning/pattern';
import {
  field,
  jsonHeaders,
  REDACTED,
  type ConnectorType,
  type PreviewContext,
} from '../connector-type';
import { separatorOf, text, validateValues } from '../field-values';
import { patternFields, patternId } from '../pattern-id';

/** Loaded on first use: jsforce costs about 6 MB of memory in every process, used or not. */
function provisionerModule(): typeof import('./salesforce-provisioner') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./salesforce-provisioner') as typeof import('./salesforce-provisioner');
}

export const DEFAULT_TOKEN_ENDPOINT = 'https://login.salesforce.com/services/oauth2/token';
export const DEFAULT_API_VERSION = 'v62.0';

/** "62", "62.0" and "v62.0" all mean API version 62.0. */
export function normalizeApiVersion(value: string): string {
  const match = /^v?(\d{2,3})(?:\.(\d))?$/.exec(value.trim());
  if (!match)
    throw new UserInputError(`apiVersion must look like v62.0, got "${value}"`, 'apiVersion');
  return `v${match[1]}.${match[2] ?? '0'}`;
}

/** The User fields: mapped claims ("true"/"false" become booleans, as WSO2 does) and the built Username. */
export function salesforceFields(
  context: Pick<PreviewContext, 'user' | 'claimMappings' | 'identityProviderName' | 'config'>,
): Record<string, string | boolean> {
  const fields: Record<string, string | boolean> = {};
  for (const [name, value] of mapClaims(context.user.claims, context.claimMappings)) {
    fields[name] = value === 'true' ? true : value === 'false' ? false : value;
  }
  fields.Username = patternId(context, 'provisioningDomain');
  // A disabled Keycloak account is an inactive Salesforce user (and active again when re-enabled),
  // unless a claim mapping sets IsActive itself.
  const disabled = isDisabled(context.user.claims);
  if (disabled !== undefined && !Object.hasOwn(fields, 'IsActive')) fields.IsActive = !disabled;
  return fields;
}

export function sobjectsUrl(config: PreviewContext['config']): string {
  const base = (text(config, 'domainName') ?? '').replace(/\/+$/, '');
  return `${base}/services/data/${text(config, 'apiVersion') ?? DEFAULT_API_VERSION}/sobjects/User`;
}

export const salesforceConnectorType: ConnectorType = {
  type: 'salesforce',
  label: 'Salesforce',
  claimsThroughMappings: true,
  fields: [
    field('apiVersion', 'API Version', 'STRING', { required: true, default: DEFAULT_API_VERSION }),
    field('domainName', 'Domain Name', 'URL', {
      required: true,
      description: 'https://<my-domain>.my.salesforce.com',
    }),
    field('clientId', 'Client ID', 'STRING', {
      required: true,
      description: "The connected app's consumer key",
    }),
    field('clientSecret', 'Client Secret', 'STRING', { required: true, secret: true }),
    field('username', 'Username', 'STRING', { required: true }),
    field('password', 'Password', 'STRING', {
      required: true,
      secret: true,
      description: 'The password followed by the security token',
    }),
    field('tokenEndpoint', 'OAuth2 Token Endpoint', 'URL', {
      required: true,
      default: DEFAULT_TOKEN_ENDPOINT,
    }),
    ...patternFields('Provisioning Pattern', 'Provisioning Separator'),
    field('provisioningDomain', 'Provisioning Domain', 'DOMAIN'),
  ],

  validate(values) {
    const prepared = {
      apiVersion: DEFAULT_API_VERSION,
      tokenEndpoint: DEFAULT_TOKEN_ENDPOINT,
      ...values,
    };
    prepared.apiVersion = normalizeApiVersion(String(prepared.apiVersion));
    const result = validateValues(this, prepared);
    separatorOf(result.config, 'provisioningSeparator', DEFAULT_SEPARATOR);
    return result;
  },

  preview(context) {
    const fields = salesforceFields(context);
    const provisionedId = String(fields.Username);
    const url = sobjectsUrl(context.config);
    const headers = jsonHeaders(`Bearer ${REDACTED}`);
    if (context.operation === 'CREATE') {
      return { provisionedId, request: { method: 'POST', url, headers, body: fields } };
    }
    const recordUrl = `${url}/${encodeURIComponent(context.remoteId ?? '')}`;
    const body = context.operation === 'UPDATE' ? fields : { IsActive: false };
    return { provisionedId, request: { method: 'PATCH', url: recordUrl, headers, body } };
  },

  // Called late: the provisioner module imports this one for salesforceFields.
  create: (context) => provisionerModule().createSalesforceProvisioner(context),
};
