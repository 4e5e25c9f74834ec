// schema/schema.graphql is the public contract: it must match what the code builds.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSchema, printSdl } from '../src/graphql/schema';

it('the committed SDL matches the schema built from the resolvers (run npm run schema:emit after a change)', async () => {
  const committed = readFileSync(path.resolve(__dirname, '../schema/schema.graphql'), 'utf8');
  expect(printSdl(await createSchema(null))).toBe(committed);
});

it('exposes the contracted operations', async () => {
  const sdl = printSdl(await createSchema(null));
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
    expect(sdl).toContain(line);
  }
});
