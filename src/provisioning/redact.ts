// Removes a connector's own secret values from text a target sent back (error details may echo
// the request, passwords included) before it reaches a record, a log line or an API response.
import { REDACTED } from '../connector-types/connector-type';

/** Values shorter than this are not hunted for: they would blank out ordinary words. */
const MIN_SECRET_LENGTH = 6;

export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets)
    if (secret.length >= MIN_SECRET_LENGTH) result = result.split(secret).join(REDACTED);
  return result;
}
