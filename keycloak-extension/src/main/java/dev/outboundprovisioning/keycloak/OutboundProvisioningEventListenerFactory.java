package dev.outboundprovisioning.keycloak;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * The event listener {@code outbound-provisioning}: enable it on a realm (Realm settings → Events →
 * Event listeners) and Keycloak's user and admin events reach Kafka for the provisioning sidecar.
 */
public final class OutboundProvisioningEventListenerFactory implements EventListenerProviderFactory {
  public static final String ID = "outbound-provisioning";
  private static final Logger LOG = Logger.getLogger(OutboundProvisioningEventListenerFactory.class);

  private ListenerConfig config;
  private KafkaPublisher publisher;

  @Override
  public String getId() {
    return ID;
  }

  @Override
  public void init(Config.Scope scope) {
    config = ListenerConfig.read(scope::get);
  }

  @Override
  public void postInit(KeycloakSessionFactory factory) {
    // The relocated Kafka client loads its classes through this extension's class loader.
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(getClass().getClassLoader());
    try {
      publisher =
          new KafkaPublisher(
              new KafkaProducer<>(config.producerProperties()),
              TopicMaker.withAdmin(
                  config.adminProperties(), config.topicPartitions(), config.topicReplicationFactor()),
              config.bufferSize(),
              Duration.ofMillis(config.flushTimeoutMs()));
    } finally {
      thread.setContextClassLoader(previous);
    }
    LOG.infof(
        "outbound-provisioning: events to Kafka at %s (user events: %s %s; admin events: %s)",
        config.bootstrapServers(), config.userEventsTopic(), config.userEventTypes(),
        config.adminEventsTopic());
  }

  @Override
  public EventListenerProvider create(KeycloakSession session) {
    return new OutboundProvisioningEventListener(session, config, publisher);
  }

  @Override
  public void close() {
    if (publisher != null) publisher.close();
  }

  @Override
  public List<ProviderConfigProperty> getConfigMetadata() {
    return ProviderConfigurationBuilder.create()
        .property().name("bootstrap-servers").type("string")
        .helpText("Kafka bootstrap servers (required), e.g. kafka:9092").add()
        .property().name("user-events-topic").type("string").defaultValue("keycloak-events")
        .helpText("Topic for user events").add()
        .property().name("admin-events-topic").type("string").defaultValue("keycloak-admin-events")
        .helpText("Topic for admin events").add()
        .property().name("event-types").type("string").defaultValue(ListenerConfig.DEFAULT_EVENT_TYPES)
        .helpText("User event types to forward, comma-separated").add()
        .property().name("topic-partitions").type("int").defaultValue(6)
        .helpText("Partitions of the topics made when missing: as many sidecars can share them").add()
        .property().name("topic-replication-factor").type("int")
        .helpText("Replication factor of the topics made when missing (default: the broker's)").add()
        .property().name("linger-ms").type("int").defaultValue(ListenerConfig.DEFAULT_LINGER_MS)
        .helpText("How long events are gathered into one Kafka request (latency against Keycloak's CPU)").add()
        .property().name("buffer-size").type("int").defaultValue(10000)
        .helpText("Events kept while Kafka is unreachable; more are counted and logged").add()
        .property().name("flush-timeout-ms").type("int").defaultValue(10000)
        .helpText("How long Keycloak's shutdown waits for unsent events").add()
        .property().name("security-protocol").type("string")
        .helpText("Kafka security.protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL").add()
        .property().name("sasl-mechanism").type("string").helpText("Kafka sasl.mechanism").add()
        .property().name("sasl-jaas-config").type("password").helpText("Kafka sasl.jaas.config").add()
        .property().name("ssl-truststore-location").type("string").helpText("Kafka ssl.truststore.location").add()
        .property().name("ssl-truststore-password").type("password").helpText("Kafka ssl.truststore.password").add()
        .build();
  }
}
