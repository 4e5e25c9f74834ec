package dev.outboundprovisioning.keycloak;

/** One event as it goes to Kafka: its topic, key and JSON (Keycloak's own event object). */
public record OutgoingEvent(String topic, String key, String json) {}
