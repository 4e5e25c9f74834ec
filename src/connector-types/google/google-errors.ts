// What googleapis and gtoken throw, as ConnectorErrors: Google's error reason as the code, throttling
// and server failures retriable with Retry-After honoured. Messages name the endpoint and Google's
// own words, with anything token-like cut out: never a token, the signed assertion or the key.
import { ConnectorError, isRetriableStatus } from '../../common/connector-error';
import { parseRetryAfter } from '../../common/http';

/** The parts of a GaxiosError (or a googleapis response) this module reads. */
export interface GaxiosLike {
  message?: string;
  code?: string | number;
  cause?: unknown;
  config?: { url?: unknown; method?: string };
  response?: GaxiosResponseLike;
}

export interface GaxiosResponseLike {
  status: number;
  data?: unknown;
  headers?: unknown;
  config?: { url?: unknown };
}

interface NetworkCause {
  name?: unknown;
  message?: unknown;
  cause?: { code?: unknown; message?: unknown };
}

interface GoogleErrorBody {
  error?: {
    message?: unknown;
    errors?: { reason?: unknown; message?: unknown }[];
  };
}

interface OAuthErrorBody {
  error?: unknown;
  error_description?: unknown;
}

/** 403s that are Google's throttling, not a refusal (Directory API "Limits and quotas"). */
const THROTTLED_REASONS = new Set(['userRateLimitExceeded', 'rateLimitExceeded', 'quotaExceeded']);

/** An error code from Google's words: GOOGLE_ and the reason, word characters only. */
const googleCode = (reason: string) => `GOOGLE_${reason.replace(/\W+/g, '_').slice(0, 64)}`;

/** Long base64/base64url runs (tokens, assertions, keys) are cut from any text a target sent. */
export function scrub(text: string): string {
  return text
    .replace(/-----BEGIN[\s\S]*?-----END[^-]*-----/g, '[REDACTED]')
    .replace(/[A-Za-z0-9+/_=-]{40,}/g, '[REDACTED]')
    .slice(0, 500);
}

export function describeUrl(url: unknown): string {
  try {
    const u = new URL(String(url));
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'the Google API';
  }
}

function header(headers: unknown, name: string): string | null {
  if (!headers || typeof headers !== 'object') return null;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : null;
}

export function describeBody(response: GaxiosResponseLike): string {
  const type = header(response.headers, 'content-type') ?? 'no content type';
  const length = typeof response.data === 'string' ? response.data.length : 0;
  return `the response body is not JSON (${type}, ${length} bytes)`;
}

function networkError(error: GaxiosLike, url: unknown, timeoutMs: number): ConnectorError {
  const cause = error.cause as NetworkCause | undefined;
  const timedOut = error.code === 'TimeoutError' || cause?.name === 'TimeoutError';
  if (timedOut) {
    return new ConnectorError(
      `no answer from ${describeUrl(url)} within ${timeoutMs} ms`,
      'TIMEOUT',
      true,
      null,
      { cause: error.cause },
    );
  }
  // Node's fetch fails with "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is one level down.
  const root = cause?.cause;
  const reason = [root?.code, root?.message, cause?.message, error.message].find(
    (r): r is string => typeof r === 'string' && r !== '',
  );
  return new ConnectorError(
    `cannot reach ${describeUrl(url)}: ${scrub(reason ?? 'network error')}`,
    'NETWORK_ERROR',
    true,
    null,
    { cause: error.cause },
  );
}

function firstReason(body: GoogleErrorBody): { reason?: string; message?: string } {
  const detail = body.error?.errors?.[0];
  const message = body.error?.message ?? detail?.message;
  return {
    reason: typeof detail?.reason === 'string' ? detail.reason : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

/** A failed Directory API call. */
export function apiError(error: unknown, timeoutMs: number): ConnectorError {
  const e = error as GaxiosLike;
  const url = e.config?.url ?? e.response?.config?.url;
  if (!e.response && !e.config) {
    // Not an HTTP failure: the client refused the call (a missing parameter, a key it cannot use).
    return new ConnectorError(
      `the Google client failed: ${scrub(String(e.message))}`,
      'INTERNAL',
      false,
      null,
      { cause: error },
    );
  }
  if (!e.response) return networkError(e, url, timeoutMs);
  const { status, data, headers } = e.response;
  const target = `${e.config?.method ?? 'GET'} ${describeUrl(url)}`;
  const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'));
  if (!data || typeof data !== 'object') {
    return new ConnectorError(
      `${target} answered HTTP ${status}: ${describeBody(e.response)}`,
      isRetriableStatus(status) ? `HTTP_${status}` : 'INVALID_RESPONSE',
      isRetriableStatus(status),
      status,
      { retryAfterMs },
    );
  }
  const { reason, message } = firstReason(data);
  const retriable =
    isRetriableStatus(status) || (status === 403 && THROTTLED_REASONS.has(reason ?? ''));
  return new ConnectorError(
    `${target} answered HTTP ${status}${message ? `: ${scrub(message)}` : ''}`,
    reason ? googleCode(reason) : `HTTP_${status}`,
    retriable,
    status,
    { cause: data, retryAfterMs },
  );
}

const DELEGATION_HINT =
  "check the Service Account Email, its key, the Administrator's Email, and that the service " +
  'account has domain-wide delegation for the Directory user and group scopes';

/** A failed access-token request (or a key that cannot sign the assertion). */
export function tokenError(error: unknown, tokenUrl: string, timeoutMs: number): ConnectorError {
  const e = error as GaxiosLike;
  if (!e.response && e.config) return networkError(e, tokenUrl, timeoutMs);
  if (!e.response) {
    return new ConnectorError(
      `cannot get an access token from ${describeUrl(tokenUrl)}: ${scrub(String(e.message))}`,
      'GOOGLE_AUTH',
      false,
      null,
      { cause: error },
    );
  }
  const { status, data } = e.response;
  const body = (data && typeof data === 'object' ? data : {}) as OAuthErrorBody;
  const retriable = isRetriableStatus(status);
  if (typeof body.error !== 'string') {
    return new ConnectorError(
      `the token endpoint ${describeUrl(tokenUrl)} answered HTTP ${status}: ${describeBody(e.response)}`,
      retriable ? `HTTP_${status}` : 'INVALID_RESPONSE',
      retriable,
      status,
    );
  }
  const description =
    typeof body.error_description === 'string' ? `: ${scrub(body.error_description)}` : '';
  return new ConnectorError(
    `the token endpoint ${describeUrl(tokenUrl)} refused the service account: ` +
      `${scrub(body.error)}${description} (HTTP ${status})${retriable ? '' : `; ${DELEGATION_HINT}`}`,
    googleCode(body.error),
    retriable,
    status,
    { cause: { error: body.error, error_description: body.error_description } },
  );
}

/** Whether a failure came from the token request (a refresh during an API call) rather than the API. */
export function isTokenFailure(error: unknown, tokenUrl: string): boolean {
  return describeUrl((error as GaxiosLike).config?.url) === describeUrl(tokenUrl);
}
