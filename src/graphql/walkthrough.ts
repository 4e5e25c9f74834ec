// The README's walk-through as GraphiQL tabs: a newcomer clicks through the seed example (the WSO2
// documentation's sample values) without writing a query. Each tab is checked against the schema
// by a test, so a schema change that breaks one fails the build.

export interface WalkthroughTab {
  query: string;
  /** JSON text, as GraphiQL's variables editor holds it. */
  variables?: string;
}

/** Where a tab needs the identity provider made in the first tab. */
const ID = '<paste the id the RegisterIdentityProvider tab returned>';

const vars = (value: object) => JSON.stringify(value, null, 2);

/** The seed example's user, as the preview and provision-now tabs both send it. */
const SEED_USER = `user: { username: "user@provisioning.com", claims: [
      { uri: "http://wso2.org/claims/emailaddress", value: "user@provisioning.com" }
      { uri: "http://wso2.org/claims/lastname", value: "Lee" }
    ] }`;

/** A tab's leading comment, wrapped to the width GraphiQL's editor shows beside the result. */
function comment(text: string, width = 44): string {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > width && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return [...lines, line].join('\n');
}

export const WALKTHROUGH_TABS: WalkthroughTab[] = [
  {
    query: `${comment(
      "1. Register an identity provider for the tenant (Keycloak realm) carbon.super. Run it (▶ or Ctrl+Enter), then copy the id it returns into the next tabs' Variables.",
    )}
mutation RegisterIdentityProvider {
  createIdentityProvider(input: {
    name: "salesforce"
    tenantDomain: "carbon.super"
  }) {
    id
    name
    tenantDomain
  }
}
`,
  },
  {
    query: `${comment(
      "2. Map claims: a remote claim takes the local claim's value, else the default (Salesforce's required User fields).",
    )}
mutation MapClaims($id: ID!) {
  setClaimMappings(identityProviderId: $id, mappings: [
    { remoteClaim: "Email", localClaim: "http://wso2.org/claims/emailaddress" }
    { remoteClaim: "LastName", localClaim: "http://wso2.org/claims/lastname" }
    { remoteClaim: "Alias", localClaim: "http://wso2.org/claims/nickname", defaultValue: "plee" }
    { remoteClaim: "ProfileId", defaultValue: "00e5g000001AbCdEAF" }
    { remoteClaim: "EmailEncodingKey", defaultValue: "UTF-8" }
    { remoteClaim: "LanguageLocaleKey", defaultValue: "en_US" }
    { remoteClaim: "LocaleSidKey", defaultValue: "en_US" }
    { remoteClaim: "TimeZoneSidKey", defaultValue: "America/Los_Angeles" }
  ]) {
    claimMappings { remoteClaim localClaim defaultValue }
  }
}
`,
    variables: vars({ id: ID }),
  },
  {
    query: `${comment(
      '3. Configure Salesforce. Secrets go in and never come out: the answer says only whether each one is set. Leaving a field out keeps its stored value; null clears it.',
    )}
mutation ConfigureSalesforce($id: ID!, $clientSecret: String!, $password: String!) {
  configureSalesforceConnector(identityProviderId: $id, input: {
    apiVersion: "v32.0"
    domainName: "https://identityprovisioning-dev-ed.my.salesforce.com/"
    clientId: "3MVG8123wefw763na2452683KJNsvrgKBwe4gyksKJ22f3g45"
    clientSecret: $clientSecret
    username: "samuel@wso2.com"
    password: $password
    tokenEndpoint: "https://login.salesforce.com/services/oauth2/token"
    provisioningPattern: "{UD, UN, TD, IDP}"
    provisioningSeparator: "-"
  }) {
    id
    enabled
    clientSecretConfigured
    passwordConfigured
  }
}
`,
    variables: vars({
      id: ID,
      clientSecret: '<consumer secret>',
      password: '<password><security token>',
    }),
  },
  {
    query: `${comment(
      "4. Configure Google Workspace. $key: the service account's key (base64 of the .p12 file, a PEM private key, or the service-account JSON); it is read when configured.",
    )}
mutation ConfigureGoogle($id: ID!, $key: String!) {
  configureGoogleConnector(identityProviderId: $id, input: {
    domain: "mygoogledomain.com"
    serviceAccountEmail: "d343s86gf@developer.gserviceaccount.com"
    adminEmail: "om@mygoogledomain.com"
    applicationName: "Domain"
    privateKey: $key
    provisioningPattern: "{UD, UN, TD, IDP}"
    provisioningSeparator: "_"
  }) {
    id
    privateKeyConfigured
  }
}
`,
    variables: vars({ id: ID, key: '<service account key>' }),
  },
  {
    query: `${comment('5. Configure a SCIM 2.0 service (SCIM_1_1 for SCIM 1.1).')}
mutation ConfigureScim($id: ID!, $password: String!) {
  configureScimConnector(identityProviderId: $id, input: {
    version: SCIM_2_0
    username: "Admin"
    password: $password
    userEndpoint: "https://localhost:9443/scim2/Users"
    groupEndpoint: "https://localhost:9443/scim2/Groups"
    userStoreDomain: "Domain"
    enablePasswordProvisioning: true
  }) {
    id
    passwordConfigured
  }
}
`,
    variables: vars({ id: ID, password: '<password>' }),
  },
  {
    query: `${comment(
      "6. A custom connector type, loaded with CONNECTOR_MODULES: here the example webhook type of examples/webhook-connector.ts (connectorTypes lists every type's fields).",
    )}
mutation ConfigureCustom($id: ID!, $secret: String!) {
  configureCustomConnector(identityProviderId: $id, input: {
    type: "webhook"
    properties: [
      { name: "url", value: "https://hooks.example.com/provisioning" }
      { name: "signingSecret", value: $secret }
    ]
  }) {
    id
    type
    properties { name value configured secret }
  }
}
`,
    variables: vars({ id: ID, secret: '<signing secret>' }),
  },
  {
    query: `${comment(
      '7. Preview: the id each target will know the user by and the exact request, secrets redacted. Nothing is sent; the preview is written to the provisioning log.',
    )}
mutation Preview($id: ID!) {
  testProvisioning(input: {
    identityProviderId: $id
    operation: CREATE
    ${SEED_USER}
  }) {
    connector { type }
    provisionedId
    status
    reason
    request { method url headers { name value } body }
  }
}
`,
    variables: vars({ id: ID }),
  },
  {
    query: `${comment(
      '8. Provision now: the same user through every enabled connector, each outcome reported.',
    )}
mutation ProvisionNow($id: ID!) {
  testProvisioning(input: {
    identityProviderId: $id
    operation: CREATE
    dryRun: false
    ${SEED_USER}
  }) {
    connector { type }
    provisionedId
    status
    remoteId
    error { code message retriable }
    attempts
    durationMs
  }
}
`,
    variables: vars({ id: ID }),
  },
  {
    query: `${comment(
      '9. Read the log (every attempt, skip and preview, newest first) and the links (what each target knows the user by).',
    )}
query ProvisioningLog {
  provisioningLog(filter: { localId: "user@provisioning.com" }, first: 20) {
    edges {
      node { createdAt connectorType operation status attempts errorCode errorMessage source }
    }
    pageInfo { endCursor hasNextPage }
  }
  provisionedEntities(localId: "user@provisioning.com") {
    connectorId
    entityType
    remoteId
    lastSyncedAt
  }
}
`,
  },
  {
    query: `${comment('10. The audit trail: who changed what, newest first.')}
query AuditTrail {
  auditLog(first: 20) {
    edges {
      node { at operation outcome actorUsername actorIssuer tenantDomain objectIds changes }
    }
  }
}
`,
  },
];
