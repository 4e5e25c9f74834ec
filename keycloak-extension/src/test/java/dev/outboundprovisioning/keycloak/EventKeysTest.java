package dev.outboundprovisioning.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.keycloak.events.Event;
import org.keycloak.events.EventType;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;

class EventKeysTest {
  private static AdminEvent admin(ResourceType type, String path) {
    AdminEvent event = new AdminEvent();
    event.setRealmId("realm-1");
    event.setResourceType(type);
    event.setOperationType(OperationType.CREATE);
    event.setResourcePath(path);
    return event;
  }

  @Test
  void keysAUserEventByItsUser() {
    Event event = new Event();
    event.setType(EventType.UPDATE_PROFILE);
    event.setRealmId("realm-1");
    event.setUserId("user-1");
    assertEquals("user-1", EventKeys.of(event));
  }

  @Test
  void keysEveryAdminEventOfAUserByThatUser() {
    assertEquals("user-1", EventKeys.of(admin(ResourceType.USER, "users/user-1")));
    assertEquals(
        "user-1", EventKeys.of(admin(ResourceType.GROUP_MEMBERSHIP, "users/user-1/groups/group-1")));
    assertEquals(
        "user-1",
        EventKeys.of(admin(ResourceType.REALM_ROLE_MAPPING, "users/user-1/role-mappings/realm")));
  }

  @Test
  void keysGroupEventsByTheGroupAndTheRestByTheRealm() {
    assertEquals("group-1", EventKeys.of(admin(ResourceType.GROUP, "groups/group-1")));
    assertEquals("realm-1", EventKeys.of(admin(ResourceType.CLIENT, "clients/client-1")));
  }

  @Test
  void keysASubGroupMadeUnderItsParentByItsOwnId() {
    // As Keycloak 26.5 writes it: resourcePath of the parent's children, the new group's id in
    // the representation.
    AdminEvent made = admin(ResourceType.GROUP, "groups/parent-1/children");
    made.setRepresentation("{\"id\":\"child-1\",\"name\":\"childg\",\"subGroups\":[]}");
    assertEquals("child-1", EventKeys.of(made));
    // Without the representation (the realm leaves it out) or with one that is not JSON.
    assertEquals("parent-1", EventKeys.of(admin(ResourceType.GROUP, "groups/parent-1/children")));
    made.setRepresentation("not json");
    assertEquals("parent-1", EventKeys.of(made));
  }
}
