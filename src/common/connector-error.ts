// What a Provisioner throws: the target's error code and status, whether trying again can help,
// and the cause. Messages never carry secrets.
export class ConnectorError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retriable: boolean,
    readonly status: number | null = null,
    options: { cause?: unknown; retryAfterMs?: number | null } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ConnectorError';
    this.retryAfterMs = options.retryAfterMs ?? null;
  }

  readonly retryAfterMs: number | null;
}

/**
 * The object the call named is not at the target (deleted there by someone else, a target restored
 * from an older backup): for an update this means "create it again", not "fail forever".
 */
export function isGone(error: unknown): boolean {
  return (
    error instanceof ConnectorError &&
    (error.status === 404 ||
      ['SALESFORCE_NOT_FOUND', 'SALESFORCE_ENTITY_IS_DELETED'].includes(error.code))
  );
}

/** HTTP statuses worth retrying: timeouts, throttling and server-side failures. */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
