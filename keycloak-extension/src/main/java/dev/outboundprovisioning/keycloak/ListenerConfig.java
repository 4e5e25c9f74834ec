package dev.outboundprovisioning.keycloak;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The listener's options, read through Keycloak's SPI configuration:
 * {@code --spi-events-listener--outbound-provisioning--<option>} or
 * {@code KC_SPI_EVENTS_LISTENER__OUTBOUND_PROVISIONING__<OPTION>}. A missing required option stops
 * Keycloak at start with a message naming it.
 */
public record ListenerConfig(
    String bootstrapServers,
    String userEventsTopic,
    String adminEventsTopic,
    Set<String> userEventTypes,
    int bufferSize,
    long flushTimeoutMs,
    int topicPartitions,
    int lingerMs,
    Short topicReplicationFactor,
    Map<String, String> kafkaSecurity) {

  /**
   * How long the Kafka client gathers events into one request. Each request costs the broker and
   * the client's I/O thread CPU that Keycloak lacks where they share cores: measured on two cores,
   * Keycloak kept 0.77–0.84 of its create rate at 5 ms, 0.87–0.95 at 20 ms, 0.89–0.93 at 50 ms.
   */
  public static final int DEFAULT_LINGER_MS = 50;

  /** The user events the sidecar provisions; others are not sent. */
  public static final String DEFAULT_EVENT_TYPES = "REGISTER,UPDATE_PROFILE,UPDATE_EMAIL,DELETE_ACCOUNT";

  /** Options passed to the Kafka client as they are (TLS and SASL), by option name. */
  static final Map<String, String> SECURITY_OPTIONS =
      Map.ofEntries(
          Map.entry("security-protocol", "security.protocol"),
          Map.entry("sasl-mechanism", "sasl.mechanism"),
          Map.entry("sasl-jaas-config", "sasl.jaas.config"),
          Map.entry("ssl-truststore-location", "ssl.truststore.location"),
          Map.entry("ssl-truststore-password", "ssl.truststore.password"),
          Map.entry("ssl-truststore-type", "ssl.truststore.type"),
          Map.entry("ssl-keystore-location", "ssl.keystore.location"),
          Map.entry("ssl-keystore-password", "ssl.keystore.password"),
          Map.entry("ssl-keystore-type", "ssl.keystore.type"),
          Map.entry("ssl-key-password", "ssl.key.password"),
          Map.entry(
              "ssl-endpoint-identification-algorithm", "ssl.endpoint.identification.algorithm"));

  /** Reads the options; {@code option} answers an option's value, or null when it is unset. */
  public static ListenerConfig read(Function<String, String> option) {
    String servers = option.apply("bootstrap-servers");
    if (servers == null || servers.isBlank())
      throw new IllegalStateException(
          "outbound-provisioning event listener: the option bootstrap-servers is required"
              + " (--spi-events-listener--outbound-provisioning--bootstrap-servers=host:9092 or"
              + " KC_SPI_EVENTS_LISTENER__OUTBOUND_PROVISIONING__BOOTSTRAP_SERVERS)");
    Map<String, String> security = new TreeMap<>();
    SECURITY_OPTIONS.forEach(
        (name, property) -> {
          String value = option.apply(name);
          if (value != null && !value.isBlank()) security.put(property, value);
        });
    return new ListenerConfig(
        servers.trim(),
        orDefault(option.apply("user-events-topic"), "keycloak-events"),
        orDefault(option.apply("admin-events-topic"), "keycloak-admin-events"),
        list(orDefault(option.apply("event-types"), DEFAULT_EVENT_TYPES)),
        positive(option, "buffer-size", 10_000),
        positive(option, "flush-timeout-ms", 10_000),
        positive(option, "topic-partitions", 6),
        atLeastZero(option, "linger-ms", DEFAULT_LINGER_MS),
        replication(option),
        Map.copyOf(security));
  }

  /** The admin client's settings (topics made before their first event): the same broker and security. */
  public Properties adminProperties() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapServers);
    p.put("client.id", "keycloak-outbound-provisioning-admin");
    kafkaSecurity.forEach((name, value) -> p.put(name, relocated(value)));
    return p;
  }

  /** The Kafka producer's settings: every event kept until delivered, in order per key. */
  public Properties producerProperties() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapServers);
    p.put("client.id", "keycloak-outbound-provisioning");
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.put("max.in.flight.requests.per.connection", "5");
    // Accepted records are retried until the broker is back; what Kafka cannot take waits in
    // the listener's own bounded buffer (send blocks at most max.block.ms, on the sender thread).
    p.put("retries", String.valueOf(Integer.MAX_VALUE));
    p.put("delivery.timeout.ms", String.valueOf(Integer.MAX_VALUE));
    p.put("max.block.ms", "5000");
    p.put("linger.ms", String.valueOf(lingerMs));
    p.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    p.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    kafkaSecurity.forEach((name, value) -> p.put(name, relocated(value)));
    return p;
  }

  /**
   * The Kafka client inside this JAR lives under another package (relocated so it cannot clash),
   * so class names users write in settings (the login module of sasl.jaas.config) are moved too.
   * Both prefixes are computed at run time: the build's relocation rewrites string constants.
   */
  public static String relocated(String value) {
    String original = String.join(".", "org", "apache", "kafka") + ".";
    String client = org.apache.kafka.clients.producer.KafkaProducer.class.getPackageName();
    String bundled = client.substring(0, client.length() - "clients.producer".length());
    return original.equals(bundled) ? value : value.replace(original, bundled);
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  private static Set<String> list(String value) {
    Set<String> items = new LinkedHashSet<>();
    Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(items::add);
    return Set.copyOf(items);
  }

  /** The replication factor of topics made; unset: the broker's default. */
  private static Short replication(Function<String, String> option) {
    String raw = option.apply("topic-replication-factor");
    if (raw == null || raw.isBlank()) return null;
    int value = positive(option, "topic-replication-factor", 1);
    if (value > Short.MAX_VALUE)
      throw new IllegalStateException(
          "outbound-provisioning event listener: topic-replication-factor is too large: " + raw);
    return (short) value;
  }

  private static int atLeastZero(Function<String, String> option, String name, int fallback) {
    String raw = option.apply(name);
    return raw != null && raw.trim().equals("0") ? 0 : positive(option, name, fallback);
  }

  private static int positive(Function<String, String> option, String name, int fallback) {
    String raw = option.apply(name);
    if (raw == null || raw.isBlank()) return fallback;
    try {
      int value = Integer.parseInt(raw.trim());
      if (value > 0) return value;
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalStateException(
        "outbound-provisioning event listener: " + name + " must be a positive number, got " + raw);
  }
}
