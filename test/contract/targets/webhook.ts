// The example custom connector type (examples/webhook-connector.ts, loaded through
// CONNECTOR_MODULES) against the local webhook receiver.
import { FakeWebhookReceiver, type WebhookFault } from '../../fakes/webhook-receiver';
import { ok, type TestApi } from '../../support/api';
import * as doc from '../../support/documents';
import type { ContractFault, ContractTarget } from '../contract-target';

const SIGNING_SECRET = 'webhook-signing-Sk9q';

const FAULTS: Record<ContractFault, WebhookFault> = {
  'rate-limit': 'status-429',
  'server-error': 'status-500',
  'token-expired': 'status-401',
  html: 'html',
  truncated: 'truncated',
  'no-id': 'no-id',
  hang: 'hang',
};

export function webhookTarget(): ContractTarget {
  const receiver = new FakeWebhookReceiver(SIGNING_SECRET);
  const userWrites = () => receiver.events.filter((e) => String(e.event).startsWith('user.'));
  return {
    name: 'Webhook (example custom type)',
    hasGroups: true,
    deleteLeaves: 'nothing',
    renewsToken: false,
    throttleRetryAfterMs: 1000,
    secrets: [SIGNING_SECRET],
    start: async () => void (await receiver.start()),
    stop: () => receiver.stop(),
    reset: () => receiver.reset(),
    async configure(api: TestApi, identityProviderId: string) {
      const input = {
        type: 'webhook',
        properties: [
          { name: 'url', value: receiver.url },
          { name: 'signingSecret', value: SIGNING_SECRET },
        ],
      };
      const data = ok(await api.gql(doc.CONFIGURE_CUSTOM, { id: identityProviderId, input }));
      return data.configureCustomConnector.id as string;
    },
    expectedName: (username) => username,
    readUser(remoteId) {
      const user = receiver.users.get(remoteId);
      if (!user) return undefined;
      const claims = (user.claims ?? {}) as Record<string, string>;
      return {
        name: user.username,
        givenName: claims['http://wso2.org/claims/givenname'] ?? null,
        familyName: claims['http://wso2.org/claims/lastname'] ?? null,
        active: user.active !== false,
      };
    },
    readGroup(remoteId) {
      const group = receiver.groups.get(remoteId);
      return group && { name: group.name, memberIds: [...group.members] };
    },
    dropUser: (remoteId) => void receiver.users.delete(remoteId),
    seedUser(name) {
      const id = `existing-${name}`;
      receiver.users.set(id, {
        username: name,
        claims: { 'http://wso2.org/claims/givenname': 'Old' },
      });
      return id;
    },
    inject(fault, count = 1) {
      for (let i = 0; i < count; i++) receiver.inject(FAULTS[fault]);
    },
    writes: () => receiver.events.length,
    lastUserWriteBody: () => userWrites().at(-1) ?? null,
  };
}
