package dev.outboundprovisioning.keycloak;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.keycloak.events.Event;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.KeycloakSession;
import org.keycloak.util.JsonSerialization;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One per Keycloak session: serialises each event as Keycloak's own JSON and hands it to Kafka
 * only once the session's transaction has committed (never for one rolled back).
 */
public final class OutboundProvisioningEventListener implements EventListenerProvider {
  private final KeycloakSession session;
  private final ListenerConfig config;
  private final KafkaPublisher publisher;

  OutboundProvisioningEventListener(
      KeycloakSession session, ListenerConfig config, KafkaPublisher publisher) {
    this.session = session;
    this.config = config;
    this.publisher = publisher;
  }

  @Override
  public void onEvent(Event event) {
    if (event.getType() == null || !config.userEventTypes().contains(event.getType().name()))
      return;
    afterCommit(new OutgoingEvent(config.userEventsTopic(), EventKeys.of(event), json(event)));
  }

  @Override
  public void onEvent(AdminEvent event, boolean includeRepresentation) {
    afterCommit(
        new OutgoingEvent(
            config.adminEventsTopic(), EventKeys.of(event), json(event, includeRepresentation)));
  }

  private void afterCommit(OutgoingEvent event) {
    if (session == null || session.getTransactionManager() == null
        || !session.getTransactionManager().isActive()) {
      publisher.publish(event); // no transaction to wait for
      return;
    }
    session.getTransactionManager().enlistAfterCompletion(new PublishOnCommit(publisher, event));
  }

  private static String json(Object event) {
    try {
      return JsonSerialization.writeValueAsString(event);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The admin event as JSON; without its representation (the request body: names, emails,
   * attributes) unless the realm includes representations, as Keycloak asks of every listener.
   */
  static String json(AdminEvent event, boolean includeRepresentation) {
    ObjectNode tree = JsonSerialization.mapper.valueToTree(event);
    if (!includeRepresentation) tree.remove("representation");
    return tree.toString();
  }

  @Override
  public void close() {}

  /** Runs after Keycloak's transaction ends: publishes on commit, drops on rollback. */
  static final class PublishOnCommit extends AbstractKeycloakTransaction {
    private final KafkaPublisher publisher;
    private final OutgoingEvent event;

    PublishOnCommit(KafkaPublisher publisher, OutgoingEvent event) {
      this.publisher = publisher;
      this.event = event;
    }

    @Override
    protected void commitImpl() {
      publisher.publish(event);
    }

    @Override
    protected void rollbackImpl() {}
  }
}
