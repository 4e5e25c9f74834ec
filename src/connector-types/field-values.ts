// Generic field handling for every ConnectorType: merging an input over stored values, checking
// kinds and required fields, and splitting secrets from the plain config.
import { UserInputError } from '../common/errors';
import { requireDomain, requireEmail, requireHttpUrl } from '../common/validation';
import { parsePattern, validateSeparator } from '../provisioning/pattern';
import type { ConnectorField, ConnectorType, FieldValues, ValidatedValues } from './connector-type';

/** An input value: undefined keeps the stored value, null clears it. */
export type FieldInput = Record<string, string | boolean | null | undefined>;

export function mergeValues(
  type: ConnectorType,
  stored: FieldValues,
  input: FieldInput,
): FieldValues {
  const known = new Set(type.fields.map((f) => f.name));
  for (const name of Object.keys(input)) {
    if (!known.has(name) && input[name] !== undefined) {
      throw new UserInputError(`connector type "${type.type}" has no field "${name}"`, name);
    }
  }
  const merged: FieldValues = { ...stored };
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (value === null || value === '') delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

/**
 * Secrets follow their address: a stored secret goes only to the URLs it was entered with. When an
 * input changes any URL field, every secret it would keep must be given again (or cleared), so a
 * caller who can edit the config cannot redirect a password, client secret or key to their server.
 */
export function requireSecretsForNewAddress(
  type: ConnectorType,
  stored: FieldValues,
  merged: FieldValues,
  input: FieldInput,
): void {
  const same = (a: unknown, b: unknown) =>
    (typeof a === 'string' ? a.trim() : a) === (typeof b === 'string' ? b.trim() : b);
  const moved = type.fields.filter(
    (f) => f.kind === 'URL' && !same(stored[f.name], merged[f.name]),
  );
  const kept = type.fields.filter(
    (f) => f.secret && stored[f.name] !== undefined && input[f.name] === undefined,
  );
  if (!moved.length || !kept.length) return;
  const names = (fields: ConnectorField[]) => fields.map((f) => f.name).join(', ');
  throw new UserInputError(
    `changing ${names(moved)} would send the stored ${names(kept)} to a new address: ` +
      `give ${kept.length > 1 ? 'them' : 'it'} again in the same input (or null to clear)`,
    kept[0].name,
  );
}

function checkKind(f: ConnectorField, value: string | boolean): string | boolean {
  if (f.kind === 'BOOLEAN') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new UserInputError(`${f.name} must be true or false`, f.name);
  }
  if (typeof value !== 'string') throw new UserInputError(`${f.name} must be a string`, f.name);
  const text = f.kind === 'TEXT' ? value : value.trim();
  if (text.length > (f.kind === 'TEXT' ? 65536 : 2048)) {
    throw new UserInputError(`${f.name} is too long`, f.name);
  }
  if (f.kind === 'URL') requireHttpUrl(f.name, text);
  if (f.kind === 'EMAIL') requireEmail(f.name, text);
  if (f.kind === 'DOMAIN') requireDomain(f.name, text);
  if (f.kind === 'PATTERN') parsePattern(text, f.name);
  return text;
}

/** Checks every value against its field and splits plain config from secrets. */
export function validateValues(type: ConnectorType, values: FieldValues): ValidatedValues {
  const result: ValidatedValues = { config: {}, secrets: {} };
  for (const f of type.fields) {
    const raw = values[f.name];
    if (raw === undefined) {
      if (f.required) throw new UserInputError(`${f.label} (${f.name}) is required`, f.name);
      continue;
    }
    const value = checkKind(f, raw);
    if (f.secret) result.secrets[f.name] = String(value);
    else result.config[f.name] = value;
  }
  return result;
}

export function separatorOf(config: FieldValues, name: string, fallback: string): string {
  const value = config[name];
  return typeof value === 'string' ? validateSeparator(value, name) : fallback;
}

export function text(config: FieldValues, name: string): string | undefined {
  const value = config[name];
  return typeof value === 'string' ? value : undefined;
}

export function flag(config: FieldValues, name: string, fallback: boolean): boolean {
  const value = config[name];
  return typeof value === 'boolean' ? value : fallback;
}
