// Google Workspace (Admin SDK Directory API v1): primaryEmail from the provisioning pattern and
// the Google Domain; a random password on create only (WSO2 resets it on every update: a bug).
import { DEFAULT_SEPARATOR } from '../../provisioning/pattern';
import { EMAIL_CLAIM, GIVEN_NAME_CLAIM, LAST_NAME_CLAIM } from '../../provisioning/claims';
import { field, jsonHeaders, REDACTED, type ConnectorType } from '../connector-type';
import { separatorOf, validateValues } from '../field-values';
import { patternFields } from '../pattern-id';
import { parsePrivateKey } from './google-key';
import {
  apiRootOf,
  DIRECTORY_USERS,
  GOOGLE_API_ROOT,
  GOOGLE_TOKEN_URL,
  insertUserBody,
  primaryEmailOf,
  updateUserBody,
} from './google-requests';

/** Loaded on first use: googleapis costs about 17 MB of memory in every process, used or not. */
function provisionerModule(): typeof import('./google-provisioner') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./google-provisioner') as typeof import('./google-provisioner');
}

export const googleConnectorType: ConnectorType = {
  type: 'google',
  label: 'Google Workspace',
  // The Directory API's default quota: 2,400 queries a minute per user (the impersonated admin).
  defaultMaxRequestsPerSecond: 40,
  claimsThroughMappings: true,
  fields: [
    field('domain', 'Google Domain', 'DOMAIN', {
      required: true,
      description: 'The Google Workspace domain users are provisioned into',
    }),
    field('primaryEmailClaim', 'Primary Email Claim', 'STRING', {
      default: EMAIL_CLAIM,
      description: 'Kept for WSO2 parity: the primary email is built from the pattern and domain',
    }),
    field('givenNameClaim', 'Given Name Claim', 'STRING', { default: GIVEN_NAME_CLAIM }),
    field('familyNameClaim', 'Family Name Claim', 'STRING', { default: LAST_NAME_CLAIM }),
    field('serviceAccountEmail', 'Service Account Email', 'EMAIL', { required: true }),
    field('privateKey', 'Private Key', 'TEXT', {
      required: true,
      secret: true,
      description: 'base64 PKCS#12, PEM, or a service-account JSON key',
    }),
    field('privateKeyPassphrase', 'Private Key Passphrase', 'STRING', {
      secret: true,
      description:
        'PKCS#12 or encrypted PEM passphrase; used once, never stored (default notasecret)',
    }),
    field('adminEmail', "Administrator's Email", 'EMAIL', {
      required: true,
      description: 'The admin the service account acts as (domain-wide delegation)',
    }),
    field('applicationName', 'Application Name', 'STRING'),
    field('apiRootUrl', 'API Root URL', 'URL', {
      default: GOOGLE_API_ROOT,
      description: 'Where the Directory API is reached: Google, or a private endpoint or proxy',
    }),
    field('tokenUrl', 'Token URL', 'URL', {
      default: GOOGLE_TOKEN_URL,
      description: 'The OAuth token endpoint the signed service-account assertion is sent to',
    }),
    ...patternFields('Google Outbound Provisioning Pattern', 'Google Provisioning Separator'),
  ],

  validate(values) {
    const prepared = { ...values };
    const key = prepared.privateKey;
    if (typeof key === 'string') {
      const passphrase =
        typeof prepared.privateKeyPassphrase === 'string'
          ? prepared.privateKeyPassphrase
          : undefined;
      const parsed = parsePrivateKey(key, passphrase);
      prepared.privateKey = parsed.pem;
      if (!prepared.serviceAccountEmail && parsed.clientEmail)
        prepared.serviceAccountEmail = parsed.clientEmail;
    }
    delete prepared.privateKeyPassphrase;
    const result = validateValues(this, prepared);
    separatorOf(result.config, 'provisioningSeparator', DEFAULT_SEPARATOR);
    return result;
  },

  preview(context) {
    const primaryEmail = primaryEmailOf(context);
    const users = apiRootOf(context.config) + DIRECTORY_USERS;
    const headers = jsonHeaders(`Bearer ${REDACTED}`);
    const userKey = encodeURIComponent(context.remoteId ?? primaryEmail);
    if (context.operation === 'CREATE') {
      return {
        provisionedId: primaryEmail,
        request: { method: 'POST', url: users, headers, body: insertUserBody(context, REDACTED) },
      };
    }
    if (context.operation === 'UPDATE') {
      return {
        provisionedId: primaryEmail,
        request: {
          method: 'PUT',
          url: `${users}/${userKey}`,
          headers,
          body: updateUserBody(context),
        },
      };
    }
    return {
      provisionedId: primaryEmail,
      request: {
        method: 'DELETE',
        url: `${users}/${userKey}`,
        headers: headers.slice(0, 1),
        body: null,
      },
    };
  },

  create: (context) => provisionerModule().createGoogleProvisioner(context),
};
