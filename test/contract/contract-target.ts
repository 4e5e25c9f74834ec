// What the connector contract suite needs from each connector type's local target server: how to
// configure a connector at it, how to read what it holds, and how to make it misbehave. Every
// connector type (SCIM 2.0, SCIM 1.1, Google, Salesforce, the example webhook) has one of these,
// and the same cases in connector-contract.test.ts run against each.
import type { TestApi } from '../support/api';

/** A user as the target holds it, reduced to what the suite compares. */
export interface RemoteUser {
  /** The name the target knows the user by (userName, primaryEmail, Username). */
  name: string;
  givenName: string | null;
  familyName: string | null;
  /** False once deactivated (Salesforce's delete); true otherwise. */
  active: boolean;
}

export interface RemoteGroup {
  name: string;
  /** Remote ids of the member users. */
  memberIds: string[];
}

/**
 * Faults the next request(s) meet, in the target's own dialect:
 * - rate-limit: the target's throttling answer (429 with Retry-After: 1; Google may use 403 rateLimitExceeded);
 * - server-error: 500 (or the target's equivalent, e.g. Salesforce UNABLE_TO_LOCK_ROW), then normal;
 * - token-expired: the access token in use is revoked, so the next API call gets the target's 401
 *   (Google 401 authError, Salesforce INVALID_SESSION_ID); SCIM's static credentials get a plain 401;
 * - html: a 200 text/html page; truncated: cut-off JSON; no-id: a success without the new object's id;
 * - hang: the request is never answered (each counted fault swallows one request).
 */
export type ContractFault =
  'rate-limit' | 'server-error' | 'token-expired' | 'html' | 'truncated' | 'no-id' | 'hang';

export interface ContractTarget {
  /** Shown in the test names, e.g. "SCIM 2.0". */
  name: string;
  /** Whether the target has groups (SCIM, Google) or not (Salesforce). */
  hasGroups: boolean;
  /** What a delete leaves at the target: nothing, or an inactive user (Salesforce). */
  deleteLeaves: 'nothing' | 'inactive-user';
  /**
   * After token-expired: true where the connector renews its token and the operation succeeds
   * (Google, Salesforce); false where credentials are static and the 401 is a permanent failure.
   */
  renewsToken: boolean;
  /** The Retry-After the target's rate-limit answer carries, in ms; null where it sends none. */
  throttleRetryAfterMs: number | null;
  /** Secret values configured on the connector: none may appear in results, records or logs. */
  secrets: string[];

  start(): Promise<void>;
  stop(): Promise<void>;
  /** Forgets all users, groups, requests and pending faults (not the configured credentials). */
  reset(): void;

  /** Configures a connector on this identity provider through the GraphQL API; returns its id. */
  configure(api: TestApi, identityProviderId: string): Promise<string>;
  /** The provisioned id the connector builds for a local username (pattern, domain, prefix). */
  expectedName(username: string): string;

  readUser(remoteId: string): RemoteUser | undefined;
  readGroup(remoteId: string): RemoteGroup | undefined;
  /** Removes a user behind the connector's back, as an admin at the target or a restored backup would. */
  dropUser(remoteId: string): void;
  /** Puts a user with this provisioned name at the target, as if made elsewhere; returns its id. */
  seedUser(name: string): string;
  /** The next `count` requests (default 1) meet this fault. */
  inject(fault: ContractFault, count?: number): void;
  /** Number of write requests (create/update/delete) the target has accepted since reset. */
  writes(): number;
  /** The JSON body of the last user write request the target received (to check no password on update). */
  lastUserWriteBody(): Record<string, unknown> | null;
}
