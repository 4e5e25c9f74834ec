// One small wrapper over fetch for connector clients: a timeout on every call, JSON in and out,
// and typed ConnectorErrors (network, timeout, HTTP status, unreadable body).
import { ConnectorError, isRetriableStatus } from './connector-error';

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface HttpClient {
  /** Resolves for 2xx (and for statuses in `accept`); throws ConnectorError otherwise. */
  send(request: HttpRequest, accept?: number[]): Promise<HttpResponse>;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const type = response.headers.get('content-type') ?? 'no content type';
    throw new ConnectorError(
      `HTTP ${response.status}: the response body is not JSON (${type}, ${text.length} bytes)`,
      'INVALID_RESPONSE',
      isRetriableStatus(response.status),
      response.status,
      { cause },
    );
  }
}

function describeTarget(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

export function createHttpClient(timeoutMs: number): HttpClient {
  return {
    async send(request, accept = []) {
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers: {
            accept: 'application/json',
            ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...request.headers,
          },
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (cause) {
        const timedOut = (cause as { name?: string } | null)?.name === 'TimeoutError';
        throw new ConnectorError(
          timedOut
            ? `no answer from ${describeTarget(request.url)} within ${timeoutMs} ms`
            : `cannot reach ${describeTarget(request.url)}: ${(cause as Error).message}`,
          timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
          true,
          null,
          { cause },
        );
      }
      const body = await readBody(response);
      if (response.ok || accept.includes(response.status))
        return { status: response.status, headers: response.headers, body };
      throw new ConnectorError(
        `${request.method} ${describeTarget(request.url)} answered HTTP ${response.status}`,
        `HTTP_${response.status}`,
        isRetriableStatus(response.status),
        response.status,
        { retryAfterMs: parseRetryAfter(response.headers.get('retry-after')), cause: body },
      );
    },
  };
}
