package dev.outboundprovisioning.keycloak;

import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
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
              Duration.ofMillis(config.flushTimeoutMs()),
              Duration.ofMillis(config.lingerMs()));
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
    ProviderConfigurationBuilder builder = ProviderConfigurationBuilder.create()
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
        .helpText("Under load, how long events are gathered into one Kafka request (spares Keycloak's CPU); a quiet Keycloak's events go at once").add()
        .property().name("buffer-size").type("int").defaultValue(10000)
        .helpText("Events kept while Kafka is unreachable; more are counted and logged").add()
        .property().name("flush-timeout-ms").type("int").defaultValue(10000)
        .helpText("How long Keycloak's shutdown waits for unsent events").add();
    // The Kafka client's TLS and SASL settings, each passed to it as it is.
    new TreeMap<>(ListenerConfig.SECURITY_OPTIONS)
        .forEach(
            (name, kafkaName) ->
                builder.property().name(name)
                    .type(name.contains("password") || name.contains("jaas") ? "password" : "string")
                    .helpText("Kafka " + kafkaName).add());
    return builder.build();
  }
}
