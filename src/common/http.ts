// One small HTTP client for connectors and the Keycloak admin client: undici's request API over a
// keep-alive Agent (far less CPU per call than fetch, which matters at thousands of calls a second),
// a timeout on every call, JSON or form bodies in, JSON out, and typed ConnectorErrors (network,
// timeout, HTTP status, unreadable body).
import { Agent, request as undiciRequest } from 'undici';
import { ConnectorError, isRetriableStatus } from './connector-error';
import type { ConnectorPace } from './pace';

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** A JSON body already serialised (a SCIM bulk, whose size was counted as it was built). */
  json?: string;
  /** Sent as application/x-www-form-urlencoded instead of `body`. */
  form?: Record<string, string>;
}

/** Response headers, names lower-cased. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  body: unknown;
}

export interface HttpClient {
  /** Resolves for 2xx (and for statuses in `accept`); throws ConnectorError otherwise. */
  send(request: HttpRequest, accept?: number[]): Promise<HttpResponse>;
  /** Resolves for any status, with the body as JSON or null when it is not JSON. */
  exchange(request: HttpRequest): Promise<HttpResponse>;
  /** Closes the kept-alive connections (calls in flight finish first). */
  close(): Promise<void>;
}

/** A header's (first) value. */
export function headerValue(headers: ResponseHeaders, name: string): string | null {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function parseJson(text: string, status: number, headers: ResponseHeaders): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const type = headerValue(headers, 'content-type') ?? 'no content type';
    throw new ConnectorError(
      `HTTP ${status}: the response body is not JSON (${type}, ${text.length} bytes)`,
      'INVALID_RESPONSE',
      isRetriableStatus(status),
      status,
      { cause },
    );
  }
}

/** A URL as messages may show it: no credentials, query or fragment. */
export function describeTarget(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function unreachable(request: HttpRequest, timeoutMs: number, cause: unknown): ConnectorError {
  const { code, name } = (cause ?? {}) as { code?: string; name?: string };
  const timedOut = TIMEOUT_CODES.has(code ?? '') || name === 'TimeoutError';
  return new ConnectorError(
    timedOut
      ? `no answer from ${describeTarget(request.url)} within ${timeoutMs} ms`
      : `cannot reach ${describeTarget(request.url)}: ${(cause as Error).message}`,
    timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
    true,
    null,
    { cause },
  );
}

function encode(request: HttpRequest): { headers: Record<string, string>; body?: string } {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  if (request.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(request.form).toString();
  } else if (request.json !== undefined || request.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = request.json ?? JSON.stringify(request.body);
  }
  // Header names are case-insensitive: the caller's Content-Type replaces ours, never doubles it.
  for (const [name, value] of Object.entries(request.headers ?? {}))
    headers[name.toLowerCase()] = value;
  return { headers, body };
}

/** `timeoutMs` bounds each call as a whole: connecting, the headers and the whole body. */
export function createHttpClient(timeoutMs: number): HttpClient {
  const dispatcher = new Agent({
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  async function call(
    request: HttpRequest,
  ): Promise<{ status: number; headers: ResponseHeaders; text: string }> {
    const { headers, body } = encode(request);
    try {
      const response = await undiciRequest(request.url, {
        method: request.method,
        headers,
        body,
        dispatcher,
        // The whole call, body included: a target trickling bytes must not hold a slot forever.
        signal: AbortSignal.timeout(timeoutMs),
      });
      return {
        status: response.statusCode,
        headers: response.headers,
        text: await response.body.text(),
      };
    } catch (cause) {
      throw unreachable(request, timeoutMs, cause);
    }
  }

  return {
    async send(request, accept = []) {
      const { status, headers, text } = await call(request);
      const body = parseJson(text, status, headers);
      if ((status >= 200 && status < 300) || accept.includes(status))
        return { status, headers, body };
      throw new ConnectorError(
        `${request.method} ${describeTarget(request.url)} answered HTTP ${status}`,
        `HTTP_${status}`,
        isRetriableStatus(status),
        status,
        { retryAfterMs: parseRetryAfter(headerValue(headers, 'retry-after')), cause: body },
      );
    },

    async exchange(request) {
      const { status, headers, text } = await call(request);
      let body: unknown = null;
      try {
        body = parseJson(text, status, headers);
      } catch {
        // not JSON: the caller judges by the status
      }
      return { status, headers, body };
    },

    close: () => dispatcher.close(),
  };
}

/** The client for one connector: each call waits its turn, and a 429 or Retry-After pauses them all. */
export function pacedHttpClient(http: HttpClient, pace: ConnectorPace): HttpClient {
  const observe = (response: HttpResponse): HttpResponse => {
    if (response.status >= 400)
      pace.afterResponse(
        response.status,
        parseRetryAfter(headerValue(response.headers, 'retry-after')),
      );
    return response;
  };
  return {
    async send(request, accept) {
      await pace.beforeRequest();
      try {
        return observe(await http.send(request, accept));
      } catch (error) {
        if (error instanceof ConnectorError) pace.afterResponse(error.status, error.retryAfterMs);
        throw error;
      }
    },
    async exchange(request) {
      await pace.beforeRequest();
      return observe(await http.exchange(request));
    },
    // The shared client is closed by whoever made it.
    close: () => Promise.resolve(),
  };
}
