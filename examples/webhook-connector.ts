// An example custom ConnectorType: announces user changes to a webhook as signed JSON.
// Load it with CONNECTOR_MODULES=./dist/examples/webhook-connector.js
import {
  field,
  jsonHeaders,
  REDACTED,
  type ConnectorType,
} from '../src/connector-types/connector-type';
import { validateValues } from '../src/connector-types/field-values';

const EVENTS = { CREATE: 'user.created', UPDATE: 'user.updated', DELETE: 'user.deleted' } as const;

export const connectorType: ConnectorType = {
  type: 'webhook',
  label: 'Webhook (example)',
  fields: [
    field('url', 'Webhook URL', 'URL', { required: true }),
    field('signingSecret', 'Signing Secret', 'STRING', {
      secret: true,
      description: 'HMAC-SHA256 key for the X-Signature header',
    }),
    field('includeClaims', 'Include Claims', 'BOOLEAN', { default: 'true' }),
  ],
  validate(values) {
    return validateValues(this, values);
  },
  preview(context) {
    const { user } = context;
    const claims =
      context.config.includeClaims === false ? undefined : Object.fromEntries(user.claims);
    const body = {
      event: EVENTS[context.operation],
      user: { id: user.id, username: user.username, tenantDomain: user.tenantDomain, claims },
    };
    const headers = jsonHeaders(`Bearer ${REDACTED}`).slice(1);
    if (context.secretsConfigured.has('signingSecret'))
      headers.push({ name: 'X-Signature', value: `sha256=${REDACTED}` });
    return {
      provisionedId: user.id,
      request: { method: 'POST', url: String(context.config.url), headers, body },
    };
  },
};
