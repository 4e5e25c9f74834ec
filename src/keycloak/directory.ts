// What the sidecar reads from Keycloak: users and groups as the engine sees them, realm names.
import type { ProvisioningGroup, ProvisioningUser } from '../provisioning/claims';

export interface KeycloakDirectory {
  /** null when the realm id is unknown to Keycloak. */
  realmName(realmId: string): Promise<string | null>;
  /**
   * null when the user is not there (after a short wait for Keycloak's commit). With
   * `withRoles` (default true) the user's groups and realm roles are read (`roles`, `groups` and
   * their claims); with `withGroups` alone only the groups (`groups`; `roles` absent); with
   * neither only the user.
   */
  getUser(
    realm: string,
    userId: string,
    options?: { withRoles?: boolean; withGroups?: boolean },
  ): Promise<ProvisioningUser | null>;
  getGroup(realm: string, groupId: string): Promise<ProvisioningGroup | null>;
  /** One page of the realm's user ids (`first`, `max`), for a sync. */
  listUsers(realm: string, first: number, max: number): Promise<string[]>;
  /** One page of the realm's users in full, read at once for the page's convergence. */
  listUsersFull(realm: string, first: number, max: number): Promise<PagedUser[]>;
  /** A user of such a page with what getUser reads beside them; null when gone meanwhile. */
  completeUser(
    realm: string,
    paged: PagedUser,
    options: { withRoles: boolean; withGroups: boolean },
  ): Promise<ProvisioningUser | null>;
  /** One page of the realm's top-level groups, or of `parentId`'s sub-groups. */
  listGroups(
    realm: string,
    first: number,
    max: number,
    parentId?: string,
  ): Promise<ProvisioningGroup[]>;
  /**
   * The ids of a group's direct members, every page read; null when the group is gone. Read by a
   * sync, which converges memberships group by group rather than user by user.
   */
  groupMemberIds(realm: string, groupId: string): Promise<string[] | null>;
  /**
   * Whether the user is a direct member of the group now; null when the user is not there. Given
   * `expected` (what an event says), a different answer is read again within the not-found
   * window: events can arrive before Keycloak commits the change they report.
   */
  isMember(
    realm: string,
    userId: string,
    groupId: string,
    expected?: boolean,
  ): Promise<boolean | null>;
}

/** A user as a page of the realm lists them, before their groups and roles are read. */
export interface PagedUser {
  readonly id: string;
  readonly representation: object;
}
