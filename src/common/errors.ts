// API errors: one base class with a stable code; only errors with `expose` reach clients unmasked.
import { GraphQLError } from 'graphql';

export type ApiErrorCode =
  'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN' | 'UNAUTHENTICATED';

export class ApiError extends GraphQLError {
  readonly expose = true;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { code, ...extra } });
    this.name = new.target.name;
  }
}

export class UserInputError extends ApiError {
  constructor(message: string, field?: string) {
    super('BAD_USER_INPUT', message, field ? { field } : {});
  }
}

export class NotFoundError extends ApiError {
  constructor(entity: string, id: string) {
    super('NOT_FOUND', `${entity} ${id} was not found`, { entity, id });
  }
}

export class ConflictError extends ApiError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class UnauthenticatedError extends ApiError {
  constructor(message = 'Authentication required: send Authorization: Bearer <token>') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends ApiError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

/** Thrown at start-up when configuration is invalid; the message names the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
