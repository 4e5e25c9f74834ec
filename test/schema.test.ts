// schema/schema.graphql is the public contract: it must match what the code builds.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  parse,
  validate,
  type OperationDefinitionNode,
} from 'graphql';
import { createSchema, printSdl } from '../src/graphql/schema';
import { WALKTHROUGH_TABS } from '../src/graphql/walkthrough';

it('the committed SDL matches the schema built from the resolvers (run npm run schema:emit after a change)', async () => {
  const committed = readFileSync(path.resolve(__dirname, '../schema/schema.graphql'), 'utf8');
  expect(printSdl(await createSchema(null))).toBe(committed);
});

it('exposes the contracted operations', async () => {
  const schema = await createSchema(null);
  // Each root field as one line, arguments by name (as the SDL sorts them; it spreads described
  // arguments over lines).
  const signatures = [schema.getQueryType()!, schema.getMutationType()!].flatMap((root) =>
    Object.values(root.getFields()).map((f) => {
      const args = [...f.args]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((a) => `${a.name}: ${String(a.type)}`)
        .join(', ');
      return `${f.name}${args ? `(${args})` : ''}: ${String(f.type)}`;
    }),
  );
  for (const line of [
    'identityProviders(tenantDomain: String): [IdentityProvider!]!',
    'identityProvider(id: ID!): IdentityProvider',
    'connectorTypes: [ConnectorTypeInfo!]!',
    'createIdentityProvider(input: IdentityProviderInput!): IdentityProvider!',
    'updateIdentityProvider(id: ID!, input: IdentityProviderUpdateInput!): IdentityProvider!',
    'deleteIdentityProvider(id: ID!): Boolean!',
    'setClaimMappings(identityProviderId: ID!, mappings: [ClaimMappingInput!]!): IdentityProvider!',
    'configureGoogleConnector(identityProviderId: ID!, input: GoogleConnectorInput!): GoogleConnector!',
    'configureSalesforceConnector(identityProviderId: ID!, input: SalesforceConnectorInput!): SalesforceConnector!',
    'configureScimConnector(identityProviderId: ID!, input: ScimConnectorInput!): ScimConnector!',
    'configureCustomConnector(identityProviderId: ID!, input: CustomConnectorInput!): CustomConnector!',
    'removeConnector(id: ID!): Boolean!',
    'testProvisioning(input: TestProvisioningInput!): [ProvisioningPreview!]!',
  ]) {
    expect(signatures).toContain(line);
  }
});

it("runs GraphiQL's ready-made tabs as they are: each is valid against the schema", async () => {
  const schema = await createSchema(null);
  const names = WALKTHROUGH_TABS.map((tab) => {
    const document = parse(tab.query);
    expect(validate(schema, document)).toEqual([]);
    if (tab.variables) expect(() => JSON.parse(tab.variables!)).not.toThrow();
    const [operation] = document.definitions as OperationDefinitionNode[];
    return operation.name?.value;
  });
  // The README's walk-through, every connector type included.
  expect(names).toEqual(
    expect.arrayContaining([
      'RegisterIdentityProvider',
      'MapClaims',
      'ConfigureSalesforce',
      'ConfigureGoogle',
      'ConfigureScim',
      'ConfigureCustom',
      'Preview',
      'ProvisionNow',
      'ProvisioningLog',
    ]),
  );
});

it('describes every type, field, argument, input field and enum value for an administrator', async () => {
  const schema = await createSchema(null);
  const missing: string[] = [];
  const need = (what: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(what);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    need(`type ${type.name}`, type.description);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type))
      for (const field of Object.values(type.getFields())) {
        need(`${type.name}.${field.name}`, field.description);
        for (const arg of 'args' in field ? field.args : [])
          need(`${type.name}.${field.name}(${arg.name})`, arg.description);
      }
    if (isEnumType(type))
      for (const value of type.getValues()) need(`${type.name}.${value.name}`, value.description);
  }
  expect(missing).toEqual([]);
});
