// Small validators shared by connector types; each throws a UserInputError naming the field.
import { UserInputError } from './errors';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function requireHttpUrl(field: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserInputError(`${field} must be an absolute http(s) URL, got "${value}"`, field);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserInputError(`${field} must use http or https, got "${url.protocol}"`, field);
  }
  return value;
}

export function requireEmail(field: string, value: string): string {
  if (!EMAIL.test(value)) throw new UserInputError(`${field} must be an email address`, field);
  return value;
}

export function requireDomain(field: string, value: string): string {
  if (!DOMAIN.test(value)) throw new UserInputError(`${field} must be a DNS domain name`, field);
  return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot exist, and must not reach a database that would reject it. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Path segments that lead from a plain object to its prototype. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** True when a dotted or URN-style attribute path has a segment that names a prototype. */
export function reachesPrototype(path: string): boolean {
  return path.split(/[.:]/).some((segment) => PROTOTYPE_KEYS.has(segment));
}
