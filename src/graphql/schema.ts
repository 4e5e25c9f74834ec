// Builds the executable schema from the resolvers; the same schema is emitted to schema/schema.graphql.
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { auditMutations } from '../audit/audit-mutations';
import { AuditResolver } from '../audit/audit.resolver';
import { ConnectorResolver } from '../connector/connector.resolver';
import { IdentityProviderResolver } from '../identity-provider/identity-provider.resolver';
import { TestProvisioningResolver } from '../provisioning/test-provisioning.resolver';
import { ProvisioningHistoryResolver } from '../provisioning/provisioning-history.resolver';
import type { Services } from '../services';
import { SyncResolver } from '../sync/sync.resolver';

const RESOLVERS = [
  IdentityProviderResolver,
  ConnectorResolver,
  TestProvisioningResolver,
  ProvisioningHistoryResolver,
  SyncResolver,
  AuditResolver,
] as const;

export async function createSchema(services: Services | null): Promise<GraphQLSchema> {
  const instances = new Map<unknown, unknown>(
    RESOLVERS.map((R) => [R, new R(services as Services)]),
  );
  const schema = await buildSchema({
    resolvers: RESOLVERS,
    container: { get: (cls: unknown) => instances.get(cls) },
    validate: { forbidUnknownValues: false },
  });
  // type-graphql makes the root types itself and takes no description for them.
  schema.getQueryType()!.description =
    "Reads: identity providers, connector types, the provisioning log and links, syncs and the audit trail, within the caller's tenants";
  schema.getMutationType()!.description =
    'Changes to configuration and calls to targets; each is audited, except a testProvisioning preview';
  if (services) {
    const secretFields = services.registry
      .all()
      .flatMap((type) => type.fields.filter((f) => f.secret).map((f) => f.name));
    auditMutations(schema, services.audit, new Set(secretFields));
  }
  return schema;
}

/** The SDL as committed in schema/schema.graphql. */
export function printSdl(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
