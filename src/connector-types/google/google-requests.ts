// The Directory API bodies for users and groups, shared by the preview (password redacted) and the
// provisioner, so both always send the same primaryEmail, names and group email.
import {
  claimValue,
  GIVEN_NAME_CLAIM,
  isDisabled,
  LAST_NAME_CLAIM,
  mapClaims,
  type ProvisioningGroup,
} from '../../provisioning/claims';
import type { FieldValues, PreviewContext } from '../connector-type';
import { text } from '../field-values';
import { patternId } from '../pattern-id';

export const GOOGLE_API_ROOT = 'https://admin.googleapis.com/';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const DIRECTORY_USERS = 'admin/directory/v1/users';

export type UserContext = Pick<
  PreviewContext,
  'user' | 'identityProviderName' | 'config' | 'claimMappings'
>;

export interface GoogleName {
  givenName?: string;
  familyName?: string;
}

export interface GoogleUserBody {
  primaryEmail: string;
  name: GoogleName;
  password?: string;
  /** A disabled Keycloak account is a suspended Google user, and back when re-enabled. */
  suspended?: boolean;
}

/** The API root with exactly one trailing slash (googleapis resolves paths against it). */
export function apiRootOf(config: FieldValues): string {
  return `${(text(config, 'apiRootUrl') ?? GOOGLE_API_ROOT).replace(/\/+$/, '')}/`;
}

export function tokenUrlOf(config: FieldValues): string {
  return text(config, 'tokenUrl') ?? GOOGLE_TOKEN_URL;
}

export function primaryEmailOf(context: UserContext): string {
  return patternId(context, 'domain');
}

/** Names from the configured claims; Google requires both on insert, so create falls back to the username. */
export function googleName(context: UserContext, withFallback: boolean): GoogleName {
  const { user, config } = context;
  const mapped = mapClaims(user.claims, context.claimMappings);
  const fallback = withFallback ? user.username : undefined;
  const claim = (field: string, defaultUri: string) =>
    claimValue(text(config, field) ?? defaultUri, user.claims, mapped) ?? fallback;
  return {
    givenName: claim('givenNameClaim', GIVEN_NAME_CLAIM),
    familyName: claim('familyNameClaim', LAST_NAME_CLAIM),
  };
}

function suspension(context: UserContext): Pick<GoogleUserBody, 'suspended'> {
  const disabled = isDisabled(context.user.claims);
  return disabled === undefined ? {} : { suspended: disabled };
}

export function insertUserBody(context: UserContext, password: string): GoogleUserBody {
  const name = googleName(context, true);
  return { primaryEmail: primaryEmailOf(context), name, password, ...suspension(context) };
}

/** Updates never carry a password (WSO2 resets it on every update: a bug we do not copy). */
export function updateUserBody(context: UserContext): GoogleUserBody {
  const name = googleName(context, false);
  return { primaryEmail: primaryEmailOf(context), name, ...suspension(context) };
}

/** A group's address: its name made into a mailbox local part, at the Google Domain. */
export function groupEmailOf(group: ProvisioningGroup, config: FieldValues): string {
  const local = group.name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '')
    .replace(/[-._]{2,}/g, (run) => run[0]);
  return `${local || 'group'}@${text(config, 'domain') ?? ''}`;
}
