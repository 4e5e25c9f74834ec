// Schema descriptions shared by a connector's GraphQL type and its configure input, written for
// administrators. A label before a colon is the field's name in WSO2 Identity Server's console.

/** How every configure input applies: field by field over what is stored (field-values.ts). */
export const INPUT_RULES =
  'One connector of this type per identity provider: configuring it again updates it. A field ' +
  'left out keeps its stored value; null or "" clears it, so its default applies where it has ' +
  'one (a required field cannot be cleared), unless the field says otherwise';

/**
 * A secret's rule (mergeValues, requireSecretsForNewAddress): write-only, kept when left out,
 * cleared by null, and given again when an address it is sent to changes.
 */
function secret(addresses: string, required = false): string {
  return (
    'Write-only: stored encrypted, never returned (the connector shows only whether it is set). ' +
    `Left out, the stored value is kept${required ? '' : '; null or "" clears it'}. An input ` +
    `that changes ${addresses} must give it again${required ? '' : ' (or null) when one is stored'}` +
    ', else it is refused with BAD_USER_INPUT'
  );
}

function pattern(label: string, builds: string, domain: string): string {
  return (
    `${label}: builds ${builds} from a {…} list of UD (user store), UN (username), TD (tenant) ` +
    'and IDP (identity provider name), joined in the order given, e.g. {UD, UN, TD, IDP}; ' +
    `default {UN}. The id is lower-cased; then, unless it already ends with the ${domain}, each ` +
    `@ becomes . and @<${domain}> is appended`
  );
}

function separator(label: string): string {
  return (
    `${label}: literal text joining the pattern's values (default _), also removed from the ` +
    'UD, TD and IDP values; no braces, commas or spaces'
  );
}

function configured(what: string): string {
  return `Whether a ${what} is stored; its value is never returned`;
}

export const CONNECTOR = {
  id: "The connector's id",
  type: 'The connector type code: google, salesforce, scim-1.1, scim-2 or a custom type',
  enabled: "Enable Connector: whether it provisions; a disabled connector's operations are SKIPPED",
  identityProvider: 'The identity provider the connector belongs to',
  updatedAt: 'When the connector was last configured',
  enabledInput:
    'Enable Connector: false stops provisioning through it (its operations are SKIPPED). A new ' +
    'connector starts enabled; left out or null keeps the current setting',
  identityProviderIdArg: 'The identity provider the connector belongs to',
  inputArg: 'The settings; on an existing connector, fields left out keep their stored values',
  configure: (what: string) =>
    `Creates or updates the identity provider's ${what} and returns it (secrets only as ` +
    '…Configured flags). Creating it, enabling it again or changing its non-secret fields ' +
    'queues a sync of the realm to it, unless SYNC_ON_CONNECTOR_CHANGE is false',
};

const GOOGLE_ADDRESSES = 'apiRootUrl or tokenUrl';

export const GOOGLE = {
  type: 'A Google Workspace connector (Admin SDK Directory API): users, groups and members',
  input: `Settings of a Google Workspace connector. ${INPUT_RULES}`,
  domain:
    'Google Domain: the Google Workspace domain users are provisioned into, e.g. ' +
    'mygoogledomain.com; primary emails end with @<domain>, groups are <name>@<domain>. Required',
  primaryEmailClaim:
    "Primary Email: WSO2's claim URI for the primary email (default " +
    'http://wso2.org/claims/emailaddress). Kept for parity only: the primary email is built from ' +
    'the provisioning pattern and the Google Domain',
  givenNameClaim:
    "Given Name: the local claim URI whose value becomes the user's given name (default " +
    'http://wso2.org/claims/givenname); a new user without one gets the username',
  familyNameClaim:
    "Family Name: the local claim URI whose value becomes the user's family name (default " +
    'http://wso2.org/claims/lastname); a new user without one gets the username',
  serviceAccountEmail:
    'Service Account Email: the Google Cloud service account that authenticates, e.g. ' +
    "d343s86gf@developer.gserviceaccount.com. Required; when unset, a JSON key's client_email " +
    'fills it',
  privateKey:
    "Private Key: the service account's key, as base64 of the .p12 file (PKCS#12), a PEM " +
    'private key, or the service-account JSON key. Required; read when configured, so an ' +
    `unreadable key is BAD_USER_INPUT. ${secret(GOOGLE_ADDRESSES, true)}`,
  privateKeyPassphrase:
    'The passphrase of a PKCS#12 key (default notasecret) or of an encrypted PEM key; used to ' +
    'read privateKey in the same input, never stored',
  adminEmail:
    "Administrator's Email: the Workspace administrator the service account acts as " +
    '(domain-wide delegation), e.g. om@mygoogledomain.com. Required',
  applicationName:
    'Application Name: the name WSO2 gives the Google connector, e.g. Domain. Optional; kept ' +
    'for parity, not sent to Google',
  provisioningPattern: pattern(
    'Google Outbound Provisioning pattern',
    "the user's primary email",
    'Google Domain',
  ),
  provisioningSeparator: separator('Google Provisioning Separator'),
  privateKeyConfigured: configured('Private Key'),
  apiRootUrl: 'Directory API root (default https://admin.googleapis.com/)',
  apiRootUrlInput:
    'Where the Directory API is reached (default https://admin.googleapis.com/): Google, or a ' +
    'private endpoint or proxy. Changing it needs privateKey again in the same input',
  tokenUrl: 'OAuth2 token URL (default https://oauth2.googleapis.com/token)',
  tokenUrlInput:
    'The OAuth2 token endpoint the signed service-account assertion is sent to (default ' +
    'https://oauth2.googleapis.com/token). Changing it needs privateKey again in the same input',
};

const SALESFORCE_ADDRESSES = 'domainName or tokenEndpoint';

export const SALESFORCE = {
  type: 'A Salesforce connector (REST API sobjects/User): users only; a delete deactivates',
  input: `Settings of a Salesforce connector. ${INPUT_RULES}`,
  apiVersion:
    'API version: the Salesforce REST API version called, e.g. v32.0 (62, 62.0 and v62.0 all ' +
    'mean v62.0); default v62.0',
  domainName:
    "Domain Name: the org's My Domain URL, where the REST API is called, e.g. " +
    'https://identityprovisioning-dev-ed.my.salesforce.com/. Required',
  clientId: "Client ID: the connected app's consumer key. Required",
  clientSecret: `Client Secret: the connected app's consumer secret. Required. ${secret(
    SALESFORCE_ADDRESSES,
    true,
  )}`,
  username:
    'Username: the Salesforce user the API calls run as (OAuth2 username-password grant), e.g. ' +
    'samuel@wso2.com. Required; nullable only to match ScimConnector.username',
  usernameInput:
    'Username: the Salesforce user the API calls run as (OAuth2 username-password grant), e.g. ' +
    'samuel@wso2.com. Required',
  password: `Password: that user's password followed by its security token. Required. ${secret(
    SALESFORCE_ADDRESSES,
    true,
  )}`,
  tokenEndpoint:
    'OAuth2 Token Endpoint: where the access token is requested (default ' +
    'https://login.salesforce.com/services/oauth2/token)',
  provisioningPattern: pattern(
    'Provisioning Pattern',
    "the user's Username",
    'Provisioning Domain',
  ),
  provisioningSeparator: separator('Provisioning Separator'),
  provisioningDomain:
    'Provisioning Domain: the domain every Username ends with, e.g. yahoo.com. Optional: ' +
    'without it the Username is the id the pattern builds',
  clientSecretConfigured: configured('Client Secret'),
  passwordConfigured: configured('Password'),
};

const SCIM_ADDRESSES = 'userEndpoint or groupEndpoint';

export const SCIM = {
  type: 'A SCIM 1.1 or SCIM 2.0 connector: users, groups and members',
  input:
    'Settings of a SCIM connector: username and password (HTTP Basic), or a bearerToken, are ' +
    `needed. ${INPUT_RULES}`,
  version:
    "The SCIM version it speaks, which also says which of the identity provider's two SCIM " +
    'connectors (one per version) this is',
  versionInput:
    'Which SCIM connector to configure: an identity provider has at most one of each version',
  username:
    'Username: the HTTP Basic user name at the SCIM service, e.g. Admin; needed with password ' +
    'unless a bearer token is set',
  password: `Password: the HTTP Basic password at the SCIM service. ${secret(SCIM_ADDRESSES)}`,
  bearerToken:
    'Sent as Authorization: Bearer instead of Basic, and used when both are stored. ' +
    secret(SCIM_ADDRESSES),
  userEndpoint:
    'User Endpoint: the SCIM Users URL, e.g. https://localhost:9443/scim2/Users (SCIM 1.1: ' +
    'https://localhost:9443/wso2/scim/Users). Required',
  groupEndpoint:
    'Group Endpoint: the SCIM Groups URL, e.g. https://localhost:9443/scim2/Groups. Optional: ' +
    'without it, …/Groups beside a User Endpoint ending in /Users; with neither, group ' +
    'operations are SKIPPED',
  userStoreDomain:
    'User Store Domain: prefixes user and group names as DOMAIN/name (replacing a domain ' +
    'already in the username), e.g. Domain. Optional: names are sent as they are',
  enablePasswordProvisioning:
    'Enable Password Provisioning (default true): a user created with no password of their own ' +
    'and no Default Password set gets a strong random one; false: none is sent. Passwords ' +
    'are sent on create only',
  defaultPassword:
    'Default Password: sent when a user without a password of their own is created. ' +
    secret(SCIM_ADDRESSES),
  useBulk:
    'Use Bulk (default false): users are created, updated and deleted in SCIM Bulk requests ' +
    '(RFC 7644 §3.7), up to 100 a request, when the service announces Bulk in its ' +
    'ServiceProviderConfig beside a User Endpoint ending in /Users; far fewer requests under a ' +
    'rate limit. Otherwise, and for what the service refuses as a whole, one request per user',
  passwordConfigured: configured('Password'),
  defaultPasswordConfigured: configured('Default Password'),
  bearerTokenConfigured: configured('bearer token'),
};

export const CUSTOM = {
  type: 'A connector of a custom type loaded from CONNECTOR_MODULES',
  input:
    'Settings of a connector of a custom type loaded from CONNECTOR_MODULES. One connector of ' +
    'each type per identity provider: configuring it again updates it',
  properties:
    "Every field of the connector's type, in the type's order, with its value (a secret only " +
    'says whether it is set)',
  propertiesInput:
    'The fields to set, each at most once (default []): a field not listed keeps its stored ' +
    'value. Secret fields are write-only, stored encrypted and never returned; an input that ' +
    "changes one of the type's URL fields must give every stored secret again (or null)",
};
