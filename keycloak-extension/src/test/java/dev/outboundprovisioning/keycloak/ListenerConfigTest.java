package dev.outboundprovisioning.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ListenerConfigTest {
  private static ListenerConfig read(Map<String, String> options) {
    return ListenerConfig.read(options::get);
  }

  @Test
  void stopsKeycloakWithTheOptionsNameWhenBootstrapServersIsMissing() {
    IllegalStateException error = assertThrows(IllegalStateException.class, () -> read(Map.of()));
    assertTrue(error.getMessage().contains("bootstrap-servers"));
    assertTrue(error.getMessage().contains("KC_SPI_EVENTS_LISTENER__OUTBOUND_PROVISIONING__BOOTSTRAP_SERVERS"));
  }

  @Test
  void defaultsToTheTopicsAndEventTypesTheSidecarReads() {
    ListenerConfig config = read(Map.of("bootstrap-servers", "kafka:9092"));
    assertEquals("keycloak-events", config.userEventsTopic());
    assertEquals("keycloak-admin-events", config.adminEventsTopic());
    assertEquals(
        Set.of("REGISTER", "UPDATE_PROFILE", "UPDATE_EMAIL", "DELETE_ACCOUNT"), config.userEventTypes());
    assertEquals(10_000, config.bufferSize());
    // Topics it makes can feed six sidecars; their replication is the broker's default.
    assertEquals(6, config.topicPartitions());
    assertEquals(null, config.topicReplicationFactor());
    assertEquals("kafka:9092", config.producerProperties().get("bootstrap.servers"));
    assertEquals("true", config.producerProperties().get("enable.idempotence"));
    // Events gathered for 20 ms into one request: Keycloak keeps its CPU (docs/benchmarks.md).
    assertEquals("50", config.producerProperties().get("linger.ms"));
    assertFalse(config.producerProperties().containsKey("security.protocol"));
  }

  @Test
  void passesTlsAndSaslSettingsToTheKafkaClient() {
    ListenerConfig config =
        read(
            Map.of(
                "bootstrap-servers", "kafka:9093",
                "security-protocol", "SASL_SSL",
                "sasl-mechanism", "SCRAM-SHA-512",
                "sasl-jaas-config", "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "ssl-truststore-location", "/etc/kafka/truststore.p12",
                "event-types", "REGISTER, DELETE_ACCOUNT",
                "user-events-topic", "kc-users"));
    var properties = config.producerProperties();
    assertEquals("SASL_SSL", properties.get("security.protocol"));
    assertEquals("SCRAM-SHA-512", properties.get("sasl.mechanism"));
    // Topics are made over the same secured connection.
    assertEquals("SASL_SSL", config.adminProperties().get("security.protocol"));
    assertEquals("kafka:9093", config.adminProperties().get("bootstrap.servers"));
    assertEquals("/etc/kafka/truststore.p12", properties.get("ssl.truststore.location"));
    assertEquals(Set.of("REGISTER", "DELETE_ACCOUNT"), config.userEventTypes());
    assertEquals("kc-users", config.userEventsTopic());
  }

  @Test
  void refusesABufferSizeThatIsNotAPositiveNumber() {
    IllegalStateException error =
        assertThrows(
            IllegalStateException.class,
            () -> read(Map.of("bootstrap-servers", "kafka:9092", "buffer-size", "0")));
    assertTrue(error.getMessage().contains("buffer-size"));
  }

  @Test
  void takesThePartitionsAndReplicationOfTheTopicsItMakes() {
    ListenerConfig config =
        read(
            Map.of(
                "bootstrap-servers", "kafka:9092",
                "topic-partitions", "12",
                "linger-ms", "10",
                "topic-replication-factor", "3"));
    assertEquals(12, config.topicPartitions());
    assertEquals("10", config.producerProperties().get("linger.ms"));
    assertEquals((short) 3, config.topicReplicationFactor());
    IllegalStateException error =
        assertThrows(
            IllegalStateException.class,
            () -> read(Map.of("bootstrap-servers", "kafka:9092", "topic-partitions", "none")));
    assertTrue(error.getMessage().contains("topic-partitions"));
  }

  @Test
  void listsEverySecurityOptionItReadsInKeycloaksOptionMetadataWithSecretsMasked() {
    Map<String, String> types = new java.util.HashMap<>();
    new OutboundProvisioningEventListenerFactory()
        .getConfigMetadata()
        .forEach(p -> types.put(p.getName(), p.getType()));
    for (String option : ListenerConfig.SECURITY_OPTIONS.keySet())
      assertTrue(types.containsKey(option), option);
    assertEquals("password", types.get("ssl-keystore-password"));
    assertEquals("password", types.get("sasl-jaas-config"));
    assertEquals("string", types.get("ssl-keystore-location"));
  }
}
