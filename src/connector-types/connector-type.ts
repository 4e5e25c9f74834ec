// The plugin contract shared by the API and the sidecar. A ConnectorType is a plain object: its
// fields, a validator for one Connector row's values, and a preview of the exact HTTP request.
import type { HttpClient } from '../common/http';
import type { ClaimMappingRule, ProvisioningUser } from '../provisioning/claims';

export type FieldKind = 'STRING' | 'TEXT' | 'URL' | 'EMAIL' | 'DOMAIN' | 'BOOLEAN' | 'PATTERN';

/** One configurable field, as an admin UI (or GraphiQL user) needs to render it. */
export interface ConnectorField {
  name: string;
  label: string;
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

/** The live object a ConnectorType makes from one Connector row; it talks to the target. */
export interface Provisioner {
  createUser(user: ProvisioningUser): Promise<RemoteRef>;
  updateUser(remoteId: string, user: ProvisioningUser): Promise<RemoteRef>;
  /** Resolves when the user is gone (or deactivated, where the target cannot delete). */
  deleteUser(remoteId: string): Promise<void>;
}

export interface ProvisionerContext {
  config: FieldValues;
  secrets: Readonly<Record<string, string>>;
  identityProviderName: string;
  claimMappings: ClaimMappingRule[];
  http: HttpClient;
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
