package dev.outboundprovisioning.keycloak;

import org.keycloak.events.Event;
import org.keycloak.events.admin.AdminEvent;

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
   * else by the realm.
   */
  public static String of(AdminEvent event) {
    String path = event.getResourcePath();
    if (path != null) {
      String[] parts = path.split("/");
      if (parts.length >= 2 && (parts[0].equals("users") || parts[0].equals("groups"))
          && !parts[1].isEmpty())
        return parts[1];
    }
    return event.getRealmId();
  }
}
