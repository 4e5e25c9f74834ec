// Where a tenant administrator's connector may send: public addresses only. A tenant administrator
// is trusted with one tenant, not with this host's network: an endpoint on loopback, a private or
// link-local network (a cloud's metadata service) or any other non-public range would let them
// make this service call it and read the outcome. Platform administrators may set any address.
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { ForbiddenError, UserInputError } from '../common/errors';

function isPublic(address: string): boolean {
  return ipaddr.isValid(address) && ipaddr.process(address).range() === 'unicast';
}

/** Every http(s) URL among the values must name a host whose every address is public. */
export async function requirePublicDestinations(values: Record<string, unknown>): Promise<void> {
  for (const [field, value] of Object.entries(values)) {
    if (typeof value !== 'string' || !/^https?:\/\//i.test(value)) continue;
    let host: string;
    try {
      host = new URL(value).hostname.replace(/^\[|\]$/g, '');
    } catch {
      continue; // not a URL: the connector type's own validation says so
    }
    const addresses = ipaddr.isValid(host)
      ? [host]
      : await lookup(host, { all: true, verbatim: true }).then(
          (found) => found.map((a) => a.address),
          () => {
            throw new UserInputError(`${field}: the host ${host} does not resolve`, field);
          },
        );
    if (!addresses.length || !addresses.every(isPublic))
      throw new ForbiddenError(
        `${field}: ${host} is not a public address; only a platform administrator may point a connector at one`,
      );
  }
}
