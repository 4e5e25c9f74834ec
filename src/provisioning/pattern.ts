// Builds Google/Salesforce ids from a provisioning pattern with WSO2's results for every valid
// configuration; configurations WSO2 crashes or misbehaves on are rejected by validatePattern.
import { UserInputError } from '../common/errors';

export const PATTERN_TOKENS = ['UD', 'UN', 'TD', 'IDP'] as const;
export type PatternToken = (typeof PATTERN_TOKENS)[number];
export const DEFAULT_PATTERN = '{UN}';
export const DEFAULT_SEPARATOR = '_';

export interface PatternInput {
  username: string;
  userStoreDomain?: string | null;
  tenantDomain: string;
  identityProviderName: string;
}

/** Parses "{UD, UN}" into its tokens, or throws a UserInputError that names the problem. */
export function parsePattern(pattern: string, field = 'provisioningPattern'): PatternToken[] {
  const match = /^\s*\{([^{}]*)\}\s*$/.exec(pattern);
  if (!match) {
    throw new UserInputError(
      `${field} must be one {…} list of UD, UN, TD, IDP, got "${pattern}"`,
      field,
    );
  }
  const entries = match[1].split(',').map((s) => s.trim());
  if (entries.some((e) => e === '')) {
    throw new UserInputError(`${field} has an empty token in "${pattern}"`, field);
  }
  for (const entry of entries) {
    if (!(PATTERN_TOKENS as readonly string[]).includes(entry)) {
      throw new UserInputError(
        `${field} has unknown token "${entry}": use ${PATTERN_TOKENS.join(', ')} (upper case)`,
        field,
      );
    }
  }
  return entries as PatternToken[];
}

export function validateSeparator(separator: string, field = 'provisioningSeparator'): string {
  if (/[{},\s]/.test(separator)) {
    throw new UserInputError(`${field} must not contain braces, commas or spaces`, field);
  }
  return separator;
}

function stripChars(value: string, separator: string): string {
  return separator === '' ? value : value.split(separator).join('');
}

function tokenValues(input: PatternInput, separator: string): Record<PatternToken, string> {
  const slash = input.username.indexOf('/');
  const domainInName = slash > 0 ? input.username.slice(0, slash) : '';
  const userStoreDomain = input.userStoreDomain || domainInName || 'PRIMARY';
  return {
    UD: stripChars(userStoreDomain, separator),
    UN: slash >= 0 ? input.username.slice(slash + 1) : input.username,
    TD: stripChars(input.tenantDomain, separator),
    IDP: stripChars(input.identityProviderName, separator),
  };
}

/** DESIGN §5 rules 1–3: values in order, separator-joined, a leading empty value dropped, lower-cased. */
export function buildId(
  input: PatternInput,
  pattern = DEFAULT_PATTERN,
  separator = DEFAULT_SEPARATOR,
): string {
  const values = tokenValues(input, separator);
  let id = '';
  for (const token of parsePattern(pattern)) {
    const value = values[token];
    id = id === '' ? value : id + separator + value;
  }
  return id.toLowerCase();
}

/** DESIGN §5 rule 4: unless the id already ends with the domain, "@" becomes "." and "@domain" is added. */
export function applyDomain(id: string, domain: string | null | undefined): string {
  if (!domain || id.endsWith(domain)) return id;
  return `${id.split('@').join('.')}@${domain}`;
}
