package dev.outboundprovisioning.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaPublisherTest {
  /** Topics taken as they are (the tests of topic making give their own). */
  private static final TopicMaker NO_TOPICS = topic -> {};

  private static MockProducer<String, String> producer() {
    return new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
  }

  private static OutgoingEvent event(int i) {
    return new OutgoingEvent("keycloak-admin-events", "user-" + (i % 3), "{\"n\":" + i + "}");
  }

  private static void waitFor(java.util.function.BooleanSupplier done) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!done.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) throw new AssertionError("timed out");
      Thread.sleep(10);
    }
  }

  @Test
  void sendsEveryEventInOrderWithItsKey() throws Exception {
    MockProducer<String, String> kafka = producer();
    try (KafkaPublisher publisher = new KafkaPublisher(kafka, NO_TOPICS, 100, Duration.ofSeconds(2))) {
      IntStream.range(0, 20).forEach(i -> assertTrue(publisher.publish(event(i))));
      waitFor(() -> kafka.history().size() == 20);
      List<ProducerRecord<String, String>> sent = kafka.history();
      for (int i = 0; i < 20; i++) {
        assertEquals("{\"n\":" + i + "}", sent.get(i).value());
        assertEquals("user-" + (i % 3), sent.get(i).key());
      }
      waitFor(() -> publisher.delivered() == 20);
    }
  }

  @Test
  void sendsAQuietKeycloaksEventAtOnceAndGathersABurstForLinger() throws Exception {
    // Nothing completes a send here but a flush: what is delivered was sent at once.
    MockProducer<String, String> kafka =
        new MockProducer<>(false, null, new StringSerializer(), new StringSerializer());
    try (KafkaPublisher publisher =
        new KafkaPublisher(kafka, NO_TOPICS, 100, Duration.ofSeconds(2), Duration.ofSeconds(30))) {
      assertTrue(publisher.publish(event(0)));
      waitFor(() -> publisher.delivered() == 1);
      int burst = 40;
      IntStream.range(1, 1 + burst).forEach(i -> assertTrue(publisher.publish(event(i))));
      waitFor(() -> kafka.history().size() == 1 + burst);
      Thread.sleep(200);
      // The first few of the burst still look quiet; the rest wait for linger.ms.
      assertTrue(publisher.delivered() <= KafkaPublisher.QUIET_EVENTS_PER_LINGER, "sent at once: " + publisher.delivered());
      assertTrue(publisher.pending() >= burst - KafkaPublisher.QUIET_EVENTS_PER_LINGER);
    }
  }

  @Test
  void keepsEventsWhileKafkaIsDownAndSendsThemInOrderWhenItReturns() throws Exception {
    MockProducer<String, String> kafka = producer();
    kafka.sendException = new TimeoutException("Topic keycloak-admin-events not present in metadata");
    try (KafkaPublisher publisher = new KafkaPublisher(kafka, NO_TOPICS, 100, Duration.ofSeconds(5))) {
      long started = System.nanoTime();
      IntStream.range(0, 10).forEach(i -> assertTrue(publisher.publish(event(i))));
      // publish never waits on Kafka: ten events in well under the producer's block time.
      assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() < 500);
      Thread.sleep(300);
      assertEquals(0, kafka.history().size());
      assertEquals(10, publisher.pending());
      kafka.sendException = null;
      waitFor(() -> kafka.history().size() == 10);
      for (int i = 0; i < 10; i++) assertEquals("{\"n\":" + i + "}", kafka.history().get(i).value());
    }
  }

  @Test
  void keepsEventsWhileTheTopicsMetadataCannotBeFetched() throws Exception {
    MockProducer<String, String> kafka = producer();
    kafka.partitionsForException = new TimeoutException("Timeout expired while fetching topic metadata");
    try (KafkaPublisher publisher = new KafkaPublisher(kafka, NO_TOPICS, 100, Duration.ofSeconds(5))) {
      IntStream.range(0, 5).forEach(i -> assertTrue(publisher.publish(event(i))));
      Thread.sleep(300);
      assertEquals(5, publisher.pending());
      assertEquals(0, kafka.history().size());
      kafka.partitionsForException = null;
      waitFor(() -> kafka.history().size() == 5);
      for (int i = 0; i < 5; i++) assertEquals("{\"n\":" + i + "}", kafka.history().get(i).value());
    }
  }

  @Test
  void dropsAnEventKafkaRefusesForGoodAndSendsTheNextOnes() throws Exception {
    MockProducer<String, String> kafka = producer();
    kafka.sendException =
        new org.apache.kafka.common.errors.TopicAuthorizationException("not authorized to write");
    try (KafkaPublisher publisher = new KafkaPublisher(kafka, NO_TOPICS, 100, Duration.ofSeconds(2))) {
      assertTrue(publisher.publish(event(0)));
      waitFor(() -> publisher.failed() == 1);
      kafka.sendException = null;
      assertTrue(publisher.publish(event(1)));
      waitFor(() -> kafka.history().size() == 1);
      assertEquals("{\"n\":1}", kafka.history().get(0).value());
    }
  }

  @Test
  void countsWhatOverflowsTheBufferWithoutBlocking() {
    MockProducer<String, String> kafka = producer();
    kafka.sendException = new TimeoutException("Kafka is down");
    KafkaPublisher publisher = new KafkaPublisher(kafka, NO_TOPICS, 5, Duration.ofMillis(200));
    int accepted = 0;
    for (int i = 0; i < 12; i++) if (publisher.publish(event(i))) accepted++;
    // The sender may hold one event at the head while it retries; the rest wait in the buffer.
    assertTrue(accepted >= 5 && accepted <= 6, "accepted " + accepted);
    assertEquals(12 - accepted, publisher.overflowed());
    publisher.close();
    assertEquals(accepted, publisher.pending());
    assertTrue(kafka.closed());
  }

  @Test
  void publishesOnCommitAndNeverOnRollback() throws Exception {
    MockProducer<String, String> kafka = producer();
    try (KafkaPublisher publisher = new KafkaPublisher(kafka, NO_TOPICS, 10, Duration.ofSeconds(2))) {
      var committed = new OutboundProvisioningEventListener.PublishOnCommit(publisher, event(1));
      committed.begin();
      var rolledBack = new OutboundProvisioningEventListener.PublishOnCommit(publisher, event(2));
      rolledBack.begin();
      rolledBack.rollback();
      assertEquals(0, publisher.pending() + kafka.history().size());
      committed.commit();
      waitFor(() -> kafka.history().size() == 1);
      assertEquals("{\"n\":1}", kafka.history().get(0).value());
      Thread.sleep(100);
      assertFalse(kafka.history().size() > 1);
    }
  }

  @Test
  void makesEachTopicOnceBeforeItsFirstEventAndHoldsEventsWhileKafkaCannotMakeIt() throws Exception {
    MockProducer<String, String> kafka = producer();
    List<String> made = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger(2);
    TopicMaker topics =
        topic -> {
          if (refusals.getAndDecrement() > 0) throw new TimeoutException("no broker yet");
          made.add(topic);
        };
    try (KafkaPublisher publisher = new KafkaPublisher(kafka, topics, 100, Duration.ofSeconds(5))) {
      IntStream.range(0, 5).forEach(i -> assertTrue(publisher.publish(event(i))));
      publisher.publish(new OutgoingEvent("keycloak-events", "user-9", "{}"));
      // Nothing goes out before its topic is made; then everything, in order.
      waitFor(() -> kafka.history().size() == 6);
      assertEquals(List.of("keycloak-admin-events", "keycloak-events"), made);
      assertEquals("{\"n\":0}", kafka.history().get(0).value());
      IntStream.range(5, 10).forEach(i -> assertTrue(publisher.publish(event(i))));
      waitFor(() -> kafka.history().size() == 11);
      assertEquals(2, made.size());
    }
  }
}
