// What differs between SCIM 1.1 and SCIM 2.0 for users: schema URNs and how an update is sent.
export interface ScimDialect {
  type: 'scim-1.1' | 'scim-2';
  label: string;
  userSchemas: string[];
  groupSchemas: string[];
  /** SCIM 2.0 updates with a PatchOp; SCIM 1.1 with PUT of the full resource after a GET. */
  updateMethod: 'PATCH' | 'PUT';
  /** The schema of a bulk request, and where the service says whether it takes them. */
  bulkSchema: string;
  serviceProviderConfigPath: string;
}

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export const SCIM_1_1: ScimDialect = {
  type: 'scim-1.1',
  label: 'SCIM 1.1',
  userSchemas: ['urn:scim:schemas:core:1.0'],
  groupSchemas: ['urn:scim:schemas:core:1.0'],
  updateMethod: 'PUT',
  bulkSchema: 'urn:scim:schemas:core:1.0',
  serviceProviderConfigPath: '/ServiceProviderConfigs',
};

export const SCIM_2_0: ScimDialect = {
  type: 'scim-2',
  label: 'SCIM 2.0',
  userSchemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  groupSchemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
  updateMethod: 'PATCH',
  bulkSchema: 'urn:ietf:params:scim:api:messages:2.0:BulkRequest',
  serviceProviderConfigPath: '/ServiceProviderConfig',
};
