// The connector types this process knows: an explicit list of built-ins plus the custom modules
// named in CONNECTOR_MODULES. getByType throws a user-input error for unknown codes.
import path from 'node:path';
import { ConfigError, UserInputError } from '../common/errors';
import type { ConnectorType } from './connector-type';
import { googleConnectorType } from './google/google.connector-type';
import { salesforceConnectorType } from './salesforce/salesforce.connector-type';
import { scim11ConnectorType, scim2ConnectorType } from './scim/scim.connector-type';

export const BUILT_IN_TYPES: readonly ConnectorType[] = [
  googleConnectorType,
  salesforceConnectorType,
  scim11ConnectorType,
  scim2ConnectorType,
];

function isConnectorType(value: unknown): value is ConnectorType {
  const t = value as Partial<ConnectorType> | null;
  return (
    typeof t === 'object' &&
    t !== null &&
    typeof t.type === 'string' &&
    typeof t.label === 'string' &&
    Array.isArray(t.fields) &&
    typeof t.validate === 'function' &&
    typeof t.preview === 'function'
  );
}

/** Loads a module exporting `connectorType` (or a default export) that is a ConnectorType. */
export function loadConnectorModule(modulePath: string): ConnectorType {
  const resolved = path.resolve(modulePath);
  let exported: Record<string, unknown>;
  try {
    // A module named in config is loaded at start-up, synchronously, like any CommonJS plugin.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(resolved) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(
      `CONNECTOR_MODULES: cannot load ${resolved}: ${(error as Error).message}`,
    );
  }
  const candidate = exported.connectorType ?? exported.default;
  if (!isConnectorType(candidate)) {
    throw new ConfigError(
      `CONNECTOR_MODULES: ${resolved} does not export a ConnectorType as "connectorType"`,
    );
  }
  return candidate;
}

export class ConnectorTypeRegistry {
  private readonly byType = new Map<string, ConnectorType>();

  constructor(types: readonly ConnectorType[]) {
    for (const type of types) {
      if (!/^[a-z][a-z0-9.-]{1,40}$/.test(type.type)) {
        throw new ConfigError(`connector type code "${type.type}" must be lower-case kebab-case`);
      }
      if (this.byType.has(type.type))
        throw new ConfigError(`connector type "${type.type}" is defined twice`);
      this.byType.set(type.type, type);
    }
  }

  static fromModules(modulePaths: readonly string[]): ConnectorTypeRegistry {
    return new ConnectorTypeRegistry([...BUILT_IN_TYPES, ...modulePaths.map(loadConnectorModule)]);
  }

  all(): ConnectorType[] {
    return [...this.byType.values()];
  }

  isBuiltIn(type: string): boolean {
    return BUILT_IN_TYPES.some((t) => t.type === type);
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  getByType(type: string): ConnectorType {
    const found = this.byType.get(type);
    if (!found) {
      throw new UserInputError(
        `unknown connector type "${type}"; known: ${[...this.byType.keys()].join(', ')}`,
        'type',
      );
    }
    return found;
  }
}
