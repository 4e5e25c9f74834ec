// The Apollo server: schema, limits (depth, tokens), local GraphiQL, and error masking — only
// errors with a known code reach clients; anything else is logged with its cause.
import { ApolloServer } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { logger } from '../common/logger';
import type { AuditDraft } from '../audit/audit-draft';
import type { Principal } from '../auth/authenticator';
import { depthLimit } from './depth-limit';
import { graphiqlLandingPage } from './graphiql';

const log = logger('graphql');

/** Error codes clients see as they are; every other error is masked as an internal error. */
export const CLIENT_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export interface GraphqlContext {
  principal: Principal;
  /** The caller's IP address as this server saw it (the socket's peer; no proxy header is trusted). */
  sourceAddress: string | null;
  /** Set while an audited mutation runs (audit-mutations.ts). */
  audit?: AuditDraft;
}

interface ValidationDetail {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationDetail[];
}

export function describeValidation(details: ValidationDetail[], prefix = ''): string[] {
  return details.flatMap((d) => [
    ...Object.values(d.constraints ?? {}).map((c) => (prefix ? `${prefix}.${c}` : c)),
    ...describeValidation(d.children ?? [], prefix ? `${prefix}.${d.property}` : d.property),
  ]);
}

export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : '';
  if (CLIENT_CODES.has(code)) {
    const details = formatted.extensions?.validationErrors as ValidationDetail[] | undefined;
    if (code === 'BAD_USER_INPUT' && details) {
      return { ...formatted, message: `invalid input: ${describeValidation(details).join('; ')}` };
    }
    return formatted;
  }
  log.error({ err: unwrapResolverError(error), path: formatted.path }, 'internal error');
  return {
    message: 'Internal server error',
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

export function createApollo(
  schema: GraphQLSchema,
  limits: { maxQueryDepth: number; introspection: boolean; authRequired: boolean },
): ApolloServer<GraphqlContext> {
  return new ApolloServer<GraphqlContext>({
    schema,
    // Turned off by depthLimit itself when GRAPHQL_INTROSPECTION=false, with a message that says so.
    introspection: true,
    validationRules: [
      depthLimit({ maxDepth: limits.maxQueryDepth, introspection: limits.introspection }),
    ],
    parseOptions: { maxTokens: 5000 },
    plugins: [graphiqlLandingPage({ authRequired: limits.authRequired })],
    formatError,
    includeStacktraceInErrorResponses: false,
  });
}
