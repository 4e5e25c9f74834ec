// GraphQL documents shared by the end-to-end tests, as a client would write them.
const COMMON = 'id type enabled maxRequestsPerSecond updatedAt identityProvider { id name }';
const GOOGLE = `... on GoogleConnector { domain primaryEmailClaim givenNameClaim familyNameClaim serviceAccountEmail adminEmail
    applicationName provisioningPattern provisioningSeparator privateKeyConfigured apiRootUrl tokenUrl }`;
const SALESFORCE = `... on SalesforceConnector { apiVersion domainName clientId username tokenEndpoint provisioningPattern
    provisioningSeparator provisioningDomain clientSecretConfigured passwordConfigured }`;
const SCIM = `... on ScimConnector { version username userEndpoint groupEndpoint userStoreDomain enablePasswordProvisioning useBulk
    passwordConfigured defaultPasswordConfigured bearerTokenConfigured }`;
const CUSTOM = '... on CustomConnector { properties { name value configured secret } }';
export const CONNECTOR_FIELDS = [COMMON, GOOGLE, SALESFORCE, SCIM, CUSTOM].join('\n');

export const IDP_FIELDS = `id name tenantDomain description enabled createdAt updatedAt
  claimMappings { remoteClaim localClaim defaultValue } connectors { ${CONNECTOR_FIELDS} }`;

export const CREATE_IDP = `mutation($input: IdentityProviderInput!) { createIdentityProvider(input: $input) { ${IDP_FIELDS} } }`;
export const UPDATE_IDP = `mutation($id: ID!, $input: IdentityProviderUpdateInput!) { updateIdentityProvider(id: $id, input: $input) { ${IDP_FIELDS} } }`;
export const DELETE_IDP = `mutation($id: ID!) { deleteIdentityProvider(id: $id) }`;
export const GET_IDP = `query($id: ID!) { identityProvider(id: $id) { ${IDP_FIELDS} } }`;
export const LIST_IDPS = `query($tenant: String) { identityProviders(tenantDomain: $tenant) { id name tenantDomain } }`;
export const SET_MAPPINGS = `mutation($id: ID!, $m: [ClaimMappingInput!]!) { setClaimMappings(identityProviderId: $id, mappings: $m) { ${IDP_FIELDS} } }`;
export const CONFIGURE_GOOGLE = `mutation($id: ID!, $input: GoogleConnectorInput!) { configureGoogleConnector(identityProviderId: $id, input: $input) { ${COMMON} ${GOOGLE} } }`;
export const CONFIGURE_SALESFORCE = `mutation($id: ID!, $input: SalesforceConnectorInput!) { configureSalesforceConnector(identityProviderId: $id, input: $input) { ${COMMON} ${SALESFORCE} } }`;
export const CONFIGURE_SCIM = `mutation($id: ID!, $input: ScimConnectorInput!) { configureScimConnector(identityProviderId: $id, input: $input) { ${COMMON} ${SCIM} } }`;
export const CONFIGURE_CUSTOM = `mutation($id: ID!, $input: CustomConnectorInput!) { configureCustomConnector(identityProviderId: $id, input: $input) { ${COMMON} ${CUSTOM} } }`;
export const REMOVE_CONNECTOR = `mutation($id: ID!) { removeConnector(id: $id) }`;
export const CONNECTOR_TYPES = `{ connectorTypes { type label builtIn defaultMaxRequestsPerSecond fields { name label kind required secret default description } } }`;
export const TEST_PROVISIONING = `mutation($input: TestProvisioningInput!) { testProvisioning(input: $input) {
  connector { id type } operation provisionedId status reason request { method url headers { name value } body } } }`;

/** The seed page's sample values (../shared/reference/000_3f1f38671373a721.txt). */
export const SEED = {
  google: {
    domain: 'mygoogledomain.com',
    primaryEmailClaim: 'http://wso2.org/claims/emailaddress',
    givenNameClaim: 'http://wso2.org/claims/givenname',
    familyNameClaim: 'http://wso2.org/claims/lastname',
    serviceAccountEmail: 'd343s86gf@developer.gserviceaccount.com',
    adminEmail: 'om@mygoogledomain.com',
    applicationName: 'Domain',
    provisioningPattern: '{UD, UN, TD, IDP}',
    provisioningSeparator: '_',
  },
  salesforce: {
    apiVersion: 'v32.0',
    domainName: 'https://identityprovisioning-dev-ed.my.salesforce.com/',
    clientId: '3MVG8123wefw763na2452683KJNsvrgKBwe4gyksKJ22f3g45',
    clientSecret: 'sf-consumer-secret-7Yq2',
    username: 'samuel@wso2.com',
    password: 'sf-password-9Xk1SECURITYTOKEN',
    tokenEndpoint: 'https://login.salesforce.com/services/oauth2/token',
    provisioningPattern: '{UD, UN, TD, IDP}',
    provisioningSeparator: '-',
  },
  scim2: {
    version: 'SCIM_2_0',
    username: 'Admin',
    password: 'scim-admin-pass-3Vb8',
    userEndpoint: 'https://localhost:9443/scim2/Users',
    groupEndpoint: 'https://localhost:9443/scim2/Groups',
    userStoreDomain: 'Domain',
    enablePasswordProvisioning: true,
    defaultPassword: 'scim-default-pass-6Tn4',
  },
  scim11: {
    version: 'SCIM_1_1',
    username: 'Admin',
    password: 'scim11-admin-pass-1Qe5',
    userEndpoint: 'https://localhost:9443/wso2/scim/Users',
    groupEndpoint: 'https://localhost:9443/wso2/scim/Groups',
  },
};

export const SEED_USER = {
  username: 'user@provisioning.com',
  claims: [
    { uri: 'http://wso2.org/claims/emailaddress', value: 'user@provisioning.com' },
    { uri: 'http://wso2.org/claims/givenname', value: 'Pat' },
    { uri: 'http://wso2.org/claims/lastname', value: 'Lee' },
  ],
};

export const SALESFORCE_MAPPINGS = [
  { remoteClaim: 'Email', localClaim: 'http://wso2.org/claims/emailaddress' },
  { remoteClaim: 'LastName', localClaim: 'http://wso2.org/claims/lastname' },
  { remoteClaim: 'FirstName', localClaim: 'http://wso2.org/claims/givenname' },
  { remoteClaim: 'Alias', localClaim: 'http://wso2.org/claims/nickname', defaultValue: 'plee' },
  { remoteClaim: 'ProfileId', defaultValue: '00e5g000001AbCdEAF' },
  { remoteClaim: 'EmailEncodingKey', defaultValue: 'UTF-8' },
  { remoteClaim: 'LanguageLocaleKey', defaultValue: 'en_US' },
  { remoteClaim: 'LocaleSidKey', defaultValue: 'en_US' },
  { remoteClaim: 'TimeZoneSidKey', defaultValue: 'America/Los_Angeles' },
  { remoteClaim: 'UserPermissionsMarketingUser', defaultValue: 'false' },
];
