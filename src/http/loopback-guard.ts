// Without authentication the API trusts whoever reaches its loopback port. A web page can still
// reach it through DNS rebinding (its own name resolving to 127.0.0.1), so in that mode a request
// must name a loopback host, and a browser's request must come from that same loopback origin.
import type { IncomingMessage } from 'node:http';
import { isLoopback } from '../config';

/** A Host header (or URL host) that can only mean this machine: localhost, 127.0.0.0/8 or [::1]. */
export function isLoopbackHost(host: string): boolean {
  const match = /^(\[[^\]]*\]|[^:[\]]+)(:\d{1,5})?$/.exec(host);
  return match !== null && isLoopback(match[1].replace(/^\[(.*)\]$/, '$1'));
}

/** Why a request to a loopback-only API is refused, or null when it may go on. */
export function loopbackRefusal(req: IncomingMessage): string | null {
  const host = req.headers.host ?? '';
  if (!isLoopbackHost(host))
    return `Host "${host}" is not a loopback address; without authentication the API answers only to localhost`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host.toLowerCase()}`)
    return `Origin "${origin}" is not this API's origin (http://${host})`;
  return null;
}
