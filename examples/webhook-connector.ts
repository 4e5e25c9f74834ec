// An example custom ConnectorType: sends user and group changes to a webhook as signed JSON.
// Load it with CONNECTOR_MODULES=./dist/examples/webhook-connector.js
//
// The receiver's contract: every change is one POST of { event, id?, user | group, member? } with
// X-Signature: sha256=<hex HMAC-SHA256 of the body>. For *.created events it answers 2xx with
// { "id": "<its id>" }, or 409 with { "id": "<existing id>" } when it already has that user or
// group (we adopt it and send *.updated). 404 for a change to something it no longer has means
// gone: a delete counts as done. 429 and 5xx are retried.
import { createHmac } from 'node:crypto';
import { ConnectorError } from '../src/common/connector-error';
import type { HttpResponse } from '../src/common/http';
import {
  field,
  REDACTED,
  type ConnectorType,
  type Provisioner,
  type ProvisionerContext,
  type RemoteRef,
} from '../src/connector-types/connector-type';
import { flag, text, validateValues } from '../src/connector-types/field-values';
import {
  isDisabled,
  type ProvisioningGroup,
  type ProvisioningUser,
} from '../src/provisioning/claims';

type Body = Record<string, unknown>;
const USER_EVENTS = { CREATE: 'user.created', UPDATE: 'user.updated', DELETE: 'user.deleted' };

function userBody(user: ProvisioningUser, includeClaims: boolean, id?: string): Body {
  const claims = includeClaims ? Object.fromEntries(user.claims) : undefined;
  return {
    ...(id ? { id } : {}),
    user: {
      id: user.id,
      username: user.username,
      tenantDomain: user.tenantDomain,
      active: isDisabled(user.claims) !== true,
      claims,
    },
  };
}

/** The signature of the exact bytes sent: the HTTP client serialises bodies with JSON.stringify. */
function signature(secret: string | undefined, body: Body): Record<string, string> {
  if (!secret) return {};
  const hmac = createHmac('sha256', secret).update(JSON.stringify(body)).digest('hex');
  return { 'x-signature': `sha256=${hmac}` };
}

function receivedId(response: HttpResponse): string {
  const id = (response.body as Body | null)?.id;
  if (typeof id === 'string' && id) return id;
  throw new ConnectorError(
    `webhook: HTTP ${response.status} without a resource id`,
    'INVALID_RESPONSE',
    false,
    response.status,
  );
}

function createWebhookProvisioner(context: ProvisionerContext): Provisioner {
  const url = String(context.config.url);
  const includeClaims = flag(context.config, 'includeClaims', true);
  const post = (event: string, payload: Body, accept: number[] = []) => {
    const body = { event, ...payload };
    const headers = signature(context.secrets.signingSecret, body);
    return context.http.send({ method: 'POST', url, headers, body }, accept);
  };
  /** Created, or adopted on 409 and then brought up to date with `updated`. */
  async function create(event: string, payload: Body, updated: (id: string) => Promise<unknown>) {
    const response = await post(event, payload, [409]);
    const id = receivedId(response);
    if (response.status === 409) await updated(id);
    return id;
  }
  const updateUser = async (id: string, user: ProvisioningUser): Promise<RemoteRef> => {
    await post(USER_EVENTS.UPDATE, userBody(user, includeClaims, id));
    return { remoteId: id, remoteName: user.username };
  };
  const group = (g: ProvisioningGroup, id?: string) => ({
    ...(id ? { id } : {}),
    group: { id: g.id, name: g.name, tenantDomain: g.tenantDomain },
  });
  const renameGroup = async (id: string, g: ProvisioningGroup): Promise<RemoteRef> => {
    await post('group.renamed', group(g, id));
    return { remoteId: id, remoteName: g.name };
  };
  return {
    async createUser(user) {
      const body = userBody(user, includeClaims);
      const id = await create(USER_EVENTS.CREATE, body, (found) => updateUser(found, user));
      return { remoteId: id, remoteName: user.username };
    },
    updateUser,
    async deleteUser(id) {
      await post(USER_EVENTS.DELETE, { id }, [404]);
    },
    groups: {
      async createGroup(g) {
        const id = await create('group.created', group(g), (found) => renameGroup(found, g));
        return { remoteId: id, remoteName: g.name };
      },
      renameGroup,
      async deleteGroup(id) {
        await post('group.deleted', { id }, [404]);
      },
      async addMember(id, member) {
        await post('group.member_added', { id, member });
      },
      async removeMember(id, member) {
        await post('group.member_removed', { id, member }, [404]);
      },
    },
  };
}

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
    const id = context.operation === 'CREATE' ? undefined : (context.remoteId ?? undefined);
    const payload =
      context.operation === 'DELETE'
        ? { id }
        : userBody(user, flag(context.config, 'includeClaims', true), id);
    const headers = [{ name: 'Content-Type', value: 'application/json' }];
    if (context.secretsConfigured.has('signingSecret'))
      headers.push({ name: 'X-Signature', value: `sha256=${REDACTED}` });
    return {
      provisionedId: user.username,
      request: {
        method: 'POST',
        url: text(context.config, 'url') ?? '',
        headers,
        body: { event: USER_EVENTS[context.operation], ...payload },
      },
    };
  },
  create: createWebhookProvisioner,
};
