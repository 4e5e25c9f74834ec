// Turns a Connector row into its GraphQL shape: plain fields with their defaults, and a
// "<secret>Configured" flag per secret. Secret values never reach this layer's output.
import type { ConnectorType, FieldValues } from '../connector-types/connector-type';
import type { IdentityProvider } from '../identity-provider/identity-provider.entity';
import type { Connector } from './connector.entity';
import { ConnectorView, CustomConnector, ScimVersion } from './connector.types';

function withDefaults(
  type: ConnectorType,
  config: FieldValues,
): Record<string, string | boolean | null> {
  const values: Record<string, string | boolean | null> = {};
  for (const f of type.fields) {
    if (f.secret) continue;
    const value = config[f.name] ?? f.default;
    values[f.name] =
      f.kind === 'BOOLEAN' && typeof value === 'string' ? value === 'true' : (value ?? null);
  }
  return values;
}

export function toConnectorView(
  row: Connector,
  type: ConnectorType,
  idp: IdentityProvider,
  secretNames: Set<string>,
): ConnectorView {
  const base = {
    id: row.id,
    type: row.type,
    enabled: row.enabled,
    maxRequestsPerSecond: row.maxRequestsPerSecond ?? type.defaultMaxRequestsPerSecond ?? null,
    identityProvider: idp,
    updatedAt: row.updatedAt,
  };
  if (type.type === 'google' || type.type === 'salesforce' || type.type.startsWith('scim-')) {
    const view: Record<string, unknown> = { ...base, ...withDefaults(type, row.config) };
    for (const f of type.fields)
      if (f.secret) view[`${f.name}Configured`] = secretNames.has(f.name);
    if (type.type.startsWith('scim-'))
      view.version = type.type === 'scim-1.1' ? ScimVersion.SCIM_1_1 : ScimVersion.SCIM_2_0;
    return view as unknown as ConnectorView;
  }
  const custom = new CustomConnector();
  Object.assign(custom, base);
  custom.properties = type.fields.map((f) => ({
    name: f.name,
    secret: f.secret,
    configured: f.secret ? secretNames.has(f.name) : row.config[f.name] !== undefined,
    value: f.secret
      ? null
      : row.config[f.name] !== undefined
        ? String(row.config[f.name])
        : f.default,
  }));
  return custom;
}
