package dev.outboundprovisioning.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.keycloak.events.Event;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.util.JsonSerialization;

/**
 * The Kafka key of an event: the object it is about, so that every event of one user (its own
 * changes, its memberships, its role mappings) lands on one partition and stays in order, and
 * topics can have as many partitions as there are sidecars.
 */
public final class EventKeys {
  private EventKeys() {}

  /** A user event: its user; the realm for the rare event without one. */
  public static String of(Event event) {
    return event.getUserId() != null ? event.getUserId() : event.getRealmId();
  }

  /**
   * An admin event: {@code users/<id>/…} by the user, {@code groups/<id>/…} by the group, anything
   * else by the realm. A sub-group made under {@code groups/<parent>/children} is keyed by its own
   * id (from the representation, where the realm includes it), as its later events are.
   */
  public static String of(AdminEvent event) {
    String path = event.getResourcePath();
    if (path != null) {
      String[] parts = path.split("/");
      if (parts.length >= 2 && (parts[0].equals("users") || parts[0].equals("groups"))
          && !parts[1].isEmpty()) {
        if (parts.length == 3 && parts[0].equals("groups") && parts[2].equals("children")) {
          String child = idIn(event.getRepresentation());
          if (child != null) return child;
        }
        return parts[1];
      }
    }
    return event.getRealmId();
  }

  private static String idIn(String representation) {
    if (representation == null) return null;
    try {
      JsonNode id = JsonSerialization.mapper.readTree(representation).get("id");
      return id != null && id.isTextual() && !id.asText().isEmpty() ? id.asText() : null;
    } catch (IOException | RuntimeException e) {
      return null; // not JSON: keyed by the parent, still one partition per object tree
    }
  }
}
