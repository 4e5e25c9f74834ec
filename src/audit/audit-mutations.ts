// Every mutation of the schema is audited here, in one place, so a new mutation cannot be
// forgotten: its resolver runs with a draft entry in its context; a service that changes the
// database writes the entry inside its own transaction (AuditDraft.saveIn), and this wrapper writes
// it otherwise: a refusal (FORBIDDEN, BAD_USER_INPUT, NOT_FOUND, …) or a call to targets. Only a
// testProvisioning preview (dryRun: true), which changes nothing and calls no target, is not audited.
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { logger } from '../common/logger';
import { CLIENT_CODES, describeValidation, type GraphqlContext } from '../graphql/apollo';
import { AuditDraft, type AuditActor } from './audit-draft';
import type { AuditTrail } from './audit-trail';

const log = logger('audit');

type Args = Record<string, unknown>;

/** What a mutation's `id` argument names, in its entry's objectIds. */
const ID_ARGUMENT: Record<string, string> = {
  updateIdentityProvider: 'identityProviderId',
  deleteIdentityProvider: 'identityProviderId',
  removeConnector: 'connectorId',
  cancelSync: 'syncJobId',
  confirmSyncDeletions: 'syncJobId',
};

const isPreview = (operation: string, args: Args) =>
  operation === 'testProvisioning' && (args.input as { dryRun?: boolean }).dryRun !== false;

function actorOf({ principal, sourceAddress }: GraphqlContext): AuditActor {
  const { subject, username, issuer, clientId } = principal;
  return { subject, username, issuer, clientId, sourceAddress };
}

/** The ids the arguments name, before the resolver traces or makes any. */
function idsOf(operation: string, args: Args): Record<string, string | string[]> {
  const input = (args.input ?? {}) as Args;
  const user = (input.user ?? {}) as Args;
  const named: [string, unknown][] = [
    [ID_ARGUMENT[operation] ?? 'id', args.id],
    ['identityProviderId', args.identityProviderId ?? input.identityProviderId],
    ['connectorId', args.connectorId ?? input.connectorId],
    ['recordIds', args.ids],
    ['userId', user.id || user.username],
  ];
  return Object.fromEntries(
    named.filter(
      ([, v]) =>
        typeof v === 'string' || (Array.isArray(v) && v.every((i) => typeof i === 'string')),
    ),
  ) as Record<string, string | string[]>;
}

/**
 * The secret values in a mutation's input — fields a connector type marks secret, given directly
 * or as a custom connector's properties — so that no entry repeats them, even in an error message.
 */
function secretsIn(args: Args, secretFields: ReadonlySet<string>): string[] {
  const input = (args.input ?? {}) as Args;
  const direct = [...secretFields].map((name) => input[name]);
  const properties = Array.isArray(input.properties)
    ? (input.properties as { name?: unknown; value?: unknown }[])
        .filter((p) => typeof p.name === 'string' && secretFields.has(p.name))
        .map((p) => p.value)
    : [];
  return [...direct, ...properties].filter((v): v is string => typeof v === 'string' && v !== '');
}

/** The outcome an entry records for an error, and the message a client was shown. */
function outcomeOf(error: unknown): [string, string] {
  const code = error instanceof GraphQLError ? error.extensions.code : undefined;
  // As formatError masks it: only errors with a client code say more than this.
  if (typeof code !== 'string' || !CLIENT_CODES.has(code) || !(error instanceof GraphQLError))
    return ['INTERNAL_SERVER_ERROR', 'internal error (see the server log)'];
  const details = error.extensions.validationErrors as Parameters<typeof describeValidation>[0];
  return [
    code,
    details ? `invalid input: ${describeValidation(details).join('; ')}` : error.message,
  ];
}

export function auditMutations(
  schema: GraphQLSchema,
  trail: AuditTrail,
  secretFields: ReadonlySet<string>,
): void {
  const fields = schema.getMutationType()?.getFields() ?? {};
  for (const field of Object.values(fields)) {
    const resolve = field.resolve!;
    field.resolve = async (root, args: Args, context: GraphqlContext, info) => {
      if (isPreview(field.name, args)) return resolve(root, args, context, info);
      const draft = new AuditDraft(
        field.name,
        actorOf(context),
        idsOf(field.name, args),
        secretsIn(args, secretFields),
        context.principal.access.tenants,
      );
      let result: unknown;
      try {
        result = await resolve(root, args, { ...context, audit: draft }, info);
      } catch (error) {
        await recordRefusal(trail, draft, error);
        throw error;
      }
      trail.logged(draft.saved ?? (await trail.write(draft, 'OK')));
      return result;
    };
  }
}

/** The entry of a mutation that ended in an error, unless its change was committed with one. */
async function recordRefusal(trail: AuditTrail, draft: AuditDraft, error: unknown) {
  try {
    if (draft.saved && (await trail.committed(draft.saved))) return trail.logged(draft.saved);
    trail.logged(await trail.write(draft, ...outcomeOf(error)));
  } catch (failure) {
    log.error({ err: failure, operation: draft.operation }, 'the audit entry could not be written');
  }
}
