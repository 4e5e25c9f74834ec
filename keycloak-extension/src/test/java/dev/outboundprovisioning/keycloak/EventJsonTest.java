package dev.outboundprovisioning.keycloak;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;

class EventJsonTest {
  private static AdminEvent created() {
    AdminEvent event = new AdminEvent();
    event.setRealmId("realm-1");
    event.setResourceType(ResourceType.USER);
    event.setOperationType(OperationType.CREATE);
    event.setResourcePath("users/user-1");
    event.setRepresentation("{\"username\":\"grace\",\"email\":\"grace@example.com\"}");
    return event;
  }

  @Test
  void leavesTheRequestBodyOutWhereTheRealmDoesNotIncludeRepresentations() {
    String json = OutboundProvisioningEventListener.json(created(), false);
    assertFalse(json.contains("grace@example.com"), json);
    assertTrue(json.contains("\"resourcePath\":\"users/user-1\""), json);
  }

  @Test
  void keepsItWhereTheRealmIncludesThem() {
    assertTrue(OutboundProvisioningEventListener.json(created(), true).contains("grace@example.com"));
  }
}
