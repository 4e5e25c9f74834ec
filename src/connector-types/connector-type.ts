// The plugin contract shared by the API and the sidecar. A ConnectorType is a plain object: its
// fields, a validator for one Connector row's values, and a preview of the exact HTTP request.
import type { HttpClient } from '../common/http';
import type { ConnectorPace } from '../common/pace';
import type { ClaimMappingRule, ProvisioningGroup, ProvisioningUser } from '../provisioning/claims';

export type FieldKind = 'STRING' | 'TEXT' | 'URL' | 'EMAIL' | 'DOMAIN' | 'BOOLEAN' | 'PATTERN';

/** One configurable field, as an admin UI (or GraphiQL user) needs to render it. */
export interface ConnectorField {
  name: string;
  label: string;
  /**
   * URL fields are the addresses secrets are sent to: changing one needs the stored secrets given
   * again. A custom type declares every such address as a URL field.
   */
  kind: FieldKind;
  required: boolean;
  secret: boolean;
  default: string | null;
  description: string;
}

/** Values as configured: strings and booleans; secrets are plain here and sealed by the service. */
export type FieldValues = Record<string, string | boolean>;

export interface ValidatedValues {
  config: FieldValues;
  secrets: Record<string, string>;
}

export type EntityOperation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface PreviewContext {
  operation: EntityOperation;
  user: ProvisioningUser;
  identityProviderName: string;
  claimMappings: ClaimMappingRule[];
  config: FieldValues;
  /** Which secrets are stored; previews show them redacted, never their values. */
  secretsConfigured: ReadonlySet<string>;
  /** Remote id from the link, for UPDATE and DELETE. */
  remoteId: string | null;
}

import type { TargetState } from './target-state';

export interface HttpRequestPreview {
  method: string;
  url: string;
  headers: { name: string; value: string }[];
  body: unknown;
}

export interface PreviewResult {
  provisionedId: string;
  request: HttpRequestPreview;
}

/** What a target knows a provisioned user or group by. */
export interface RemoteRef {
  remoteId: string;
  remoteName: string;
}

/** Groups and their members, for targets that have groups. Member ids are the users' remote ids. */
export interface GroupProvisioner {
  createGroup(group: ProvisioningGroup): Promise<RemoteRef>;
  renameGroup(remoteId: string, group: ProvisioningGroup): Promise<RemoteRef>;
  /** Resolves when the group is gone; a group already gone counts as done. */
  deleteGroup(remoteId: string): Promise<void>;
  /** Adding a member already in the group, or removing one not in it, counts as done. */
  addMember(groupRemoteId: string, userRemoteId: string): Promise<void>;
  removeMember(groupRemoteId: string, userRemoteId: string): Promise<void>;
  /**
   * Several members added in one call, where the target takes that (a SCIM PATCH lists them):
   * all or none. Absent: they are added one by one.
   */
  addMembers?(groupRemoteId: string, userRemoteIds: readonly string[]): Promise<void>;
  /**
   * Reads the target's copy of the group and compares its name with what createGroup or
   * renameGroup would send (a sync's drift check). Absent where the type cannot read groups.
   */
  compareGroup?(remoteId: string, group: ProvisioningGroup): Promise<TargetState>;
}

/**
 * The live object a ConnectorType makes from one Connector row; it talks to the target. Every
 * method throws ConnectorError (retriable or not) on failure, so the engine's retry helper decides.
 */
export interface UserToCompare {
  remoteId: string;
  user: ProvisioningUser;
}

export interface Provisioner {
  /** A user that already exists at the target (same name) is adopted and updated, not duplicated. */
  createUser(user: ProvisioningUser): Promise<RemoteRef>;
  /** Never sends a password. */
  updateUser(remoteId: string, user: ProvisioningUser): Promise<RemoteRef>;
  /** Resolves when the user is gone (or deactivated, where the target cannot delete); gone counts as done. */
  deleteUser(remoteId: string): Promise<void>;
  /**
   * Reads the target's copy and compares it with what updateUser would send (a sync's drift
   * check). Absent where the type cannot read: then an unchanged user is trusted as sent.
   */
  compareUser?(remoteId: string, user: ProvisioningUser): Promise<TargetState>;
  /**
   * compareUser for several users at once, in the order given, with one read where the target
   * can find several by id (a SCIM filter); any the answer lacks are read alone.
   */
  compareUsers?(items: readonly UserToCompare[]): Promise<TargetState[]>;
  /** Absent where the target has no groups (Salesforce). */
  groups?: GroupProvisioner;
}

export interface ProvisionerContext {
  config: FieldValues;
  secrets: Readonly<Record<string, string>>;
  identityProviderName: string;
  claimMappings: ClaimMappingRule[];
  /** Paced to the connector's maxRequestsPerSecond; 429 and Retry-After pause the connector. */
  http: HttpClient;
  /** Not paced: for a request that took its turn with pace.reserve() (a SCIM bulk). */
  unpacedHttp: HttpClient;
  /**
   * The same pace, for provisioners that bring their own HTTP client (googleapis, jsforce): await
   * beforeRequest() before each request and report each error status with afterResponse().
   */
  pace: ConnectorPace;
  /** The per-request timeout, for provisioners that bring their own HTTP client (googleapis, jsforce). */
  timeoutMs: number;
}

export interface ConnectorType {
  /** Stable code stored in Connector.type. */
  type: string;
  label: string;
  fields: ConnectorField[];
  /** Type-specific checks after the generic ones; returns the values to store or throws UserInputError. */
  validate(values: FieldValues): ValidatedValues;
  preview(context: PreviewContext): PreviewResult;
  /** Absent for types that can only preview. */
  create?(context: ProvisionerContext): Provisioner;
  /**
   * True when the type reads a user's claims only through the identity provider's claim mappings
   * and the claim URIs in its own fields. Then a user's groups and roles are read from Keycloak only
   * where one of those names them; otherwise (custom types) they are always read.
   */
  claimsThroughMappings?: boolean;
  /**
   * The pace used when a connector sets no maxRequestsPerSecond: the target's published limit,
   * or absent where it has none per second.
   */
  defaultMaxRequestsPerSecond?: number;
}

export const REDACTED = '[REDACTED]';

export function field(
  name: string,
  label: string,
  kind: FieldKind,
  options: Partial<Pick<ConnectorField, 'required' | 'secret' | 'default' | 'description'>> = {},
): ConnectorField {
  return {
    name,
    label,
    kind,
    required: options.required ?? false,
    secret: options.secret ?? false,
    default: options.default ?? null,
    description: options.description ?? '',
  };
}

export function jsonHeaders(authorization: string): HttpRequestPreview['headers'] {
  return [
    { name: 'Authorization', value: authorization },
    { name: 'Content-Type', value: 'application/json' },
  ];
}
