// An identity provider for a Keycloak realm with one SCIM 2.0 connector to a local SCIM server,
// made through the services (the end-to-end tests and the Keycloak benchmark share it).
import type { Core } from '../../src/core';
import type { FakeScimServer } from '../fakes/scim-server';

export async function provisionToScim(
  core: Core,
  options: {
    name: string;
    realm: string;
    scim: FakeScimServer;
    bearerToken: string;
    /** Groups and memberships too (the SCIM server's /Groups). */
    withGroups?: boolean;
    provisioningRoles?: string[];
  },
): Promise<string> {
  const { name, realm, scim, bearerToken, withGroups, provisioningRoles } = options;
  const idp = await core.services.identityProviders.create({
    name,
    tenantDomain: realm,
    enabled: true,
    ...(provisioningRoles ? { provisioningRoles } : {}),
  });
  await core.services.connectors.configure(
    idp.id,
    'scim-2',
    { enabled: true },
    {
      bearerToken,
      userEndpoint: `${scim.url}/Users`,
      ...(withGroups ? { groupEndpoint: `${scim.url}/Groups` } : {}),
    },
  );
  return idp.id;
}
