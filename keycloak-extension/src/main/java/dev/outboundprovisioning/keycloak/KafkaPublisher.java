package dev.outboundprovisioning.keycloak;

import java.time.Duration;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.jboss.logging.Logger;

/**
 * Hands committed events to Kafka without ever making a Keycloak request wait: {@link #publish}
 * only puts the event in a bounded buffer, and one sender thread moves it to the Kafka producer
 * (which may block while the broker is away). While Kafka is down events stay in the buffer and go
 * out, in order, when it returns. What overflows the buffer, or is still unsent when Keycloak
 * stops after a bounded flush, is counted and logged: a sync of the sidecar repairs it.
 */
public final class KafkaPublisher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(KafkaPublisher.class);
  private static final long RETRY_DELAY_MS = 1000;

  private final Producer<String, String> producer;
  private final TopicMaker topics;
  /** Topics made (or found) already: touched by the sender thread only. */
  private final java.util.Set<String> ready = new java.util.HashSet<>();
  private final BlockingDeque<OutgoingEvent> buffer;
  private final Duration flushTimeout;
  private final Thread sender;
  private final AtomicLong overflowed = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong inFlight = new AtomicLong();
  /** The oldest event, taken from the buffer, until Kafka takes it. */
  private volatile OutgoingEvent head;
  private volatile boolean running = true;
  /** Set once the producer is being closed: its forced-close failures are counted, not logged. */
  private volatile boolean closing = false;
  private final AtomicLong unsentAtClose = new AtomicLong();
  private volatile boolean kafkaDown = false;

  /**
   * Fewer events than this within one {@code linger.ms}: Keycloak is quiet, waiting would gather
   * nothing, so the event is sent at once. More: the producer gathers them for up to linger.ms
   * into one request, which spares the CPU Keycloak shares with the Kafka client and broker.
   */
  static final int QUIET_EVENTS_PER_LINGER = 5;

  private final long lingerNanos;
  /** When the last QUIET_EVENTS_PER_LINGER events were handed over (sender thread only). */
  private final long[] handedAt = new long[QUIET_EVENTS_PER_LINGER];
  private long handedCount = 0;

  public KafkaPublisher(
      Producer<String, String> producer, TopicMaker topics, int bufferSize, Duration flushTimeout) {
    this(producer, topics, bufferSize, flushTimeout, Duration.ZERO);
  }

  /** {@code linger}: the producer's linger.ms, waived while Keycloak is quiet. */
  public KafkaPublisher(
      Producer<String, String> producer,
      TopicMaker topics,
      int bufferSize,
      Duration flushTimeout,
      Duration linger) {
    this.lingerNanos = linger.toNanos();
    this.producer = producer;
    this.topics = topics;
    this.buffer = new LinkedBlockingDeque<>(bufferSize);
    this.flushTimeout = flushTimeout;
    this.sender = new Thread(this::sendLoop, "outbound-provisioning-kafka-sender");
    this.sender.setDaemon(true);
    this.sender.start();
  }

  /** Never blocks: false (and counted, and logged) when the buffer is full. */
  public boolean publish(OutgoingEvent event) {
    if (buffer.offer(event)) return true;
    long lost = overflowed.incrementAndGet();
    // One line for the first loss and then every thousandth, so a long outage cannot flood the log.
    if (lost == 1 || lost % 1000 == 0)
      LOG.warnf(
          "outbound-provisioning: event buffer full (%d events); %d events not sent so far"
              + " (a sync of the provisioning sidecar repairs what they would have changed)",
          buffer.remainingCapacity() + buffer.size(),
          lost);
    return false;
  }

  public long overflowed() {
    return overflowed.get();
  }

  public long delivered() {
    return delivered.get();
  }

  public long failed() {
    return failed.get();
  }

  /** Events waiting in the buffer or handed to Kafka but not yet acknowledged. */
  public long pending() {
    return buffer.size() + (head != null ? 1 : 0) + inFlight.get();
  }

  private void sendLoop() {
    while (running || head != null || !buffer.isEmpty()) {
      try {
        if (head == null) head = buffer.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (head == null) continue;
      if (hand(head)) head = null;
      else if (!sleep(RETRY_DELAY_MS)) return;
    }
  }

  /** Gives the event to the producer; false while Kafka cannot take it (it stays the head). */
  private boolean hand(OutgoingEvent event) {
    boolean counted = false;
    try {
      // Made with its partitions before the producer's first look at it (which a broker answers
      // by creating it with one partition).
      if (!ready.contains(event.topic())) {
        topics.ensure(event.topic());
        ready.add(event.topic());
      }
      // Blocks (this thread only, up to max.block.ms) until the topic's metadata is known, and
      // throws while Kafka is away: the event then waits here rather than failing in the producer.
      producer.partitionsFor(event.topic());
      inFlight.incrementAndGet();
      counted = true;
      producer.send(
          new ProducerRecord<>(event.topic(), event.key(), event.json()),
          (metadata, error) -> {
            inFlight.decrementAndGet();
            if (error == null) delivered.incrementAndGet();
            else if (closing) unsentAtClose.incrementAndGet(); // said once, in close()
            else if (error instanceof RetriableException) retryLater(event, error);
            else {
              failed.incrementAndGet();
              LOG.errorf(
                  "outbound-provisioning: Kafka refused an event for %s (key %s): %s",
                  event.topic(), event.key(), error.getMessage());
            }
          });
      if (kafkaDown) {
        kafkaDown = false;
        LOG.infof("outbound-provisioning: Kafka takes events again (%d waiting)", buffer.size());
      }
      sendAtOnceIfQuiet();
      return true;
    } catch (RuntimeException e) {
      if (counted) inFlight.decrementAndGet();
      if (!(e instanceof RetriableException)) {
        // Not a passing state (a topic it may not write, a record too large): waiting cannot help,
        // and holding this event would hold every other one behind it.
        failed.incrementAndGet();
        LOG.errorf(
            "outbound-provisioning: Kafka refused an event for %s (key %s): %s",
            event.topic(), event.key(), e.getMessage());
        return true;
      }
      if (!kafkaDown) {
        kafkaDown = true;
        LOG.warnf(
            "outbound-provisioning: Kafka cannot take events (%s); keeping them (up to %d) until it can",
            e.getMessage(), buffer.size() + buffer.remainingCapacity());
      }
      return false;
    }
  }

  private void sendAtOnceIfQuiet() {
    if (lingerNanos == 0) return;
    long now = System.nanoTime();
    int slot = (int) (handedCount++ % handedAt.length);
    // The slot holds the time of the event QUIET_EVENTS_PER_LINGER events ago.
    boolean quiet = handedCount <= handedAt.length || now - handedAt[slot] > lingerNanos;
    handedAt[slot] = now;
    if (!quiet) return;
    try {
      producer.flush(); // this thread only; Keycloak's requests never wait on it
    } catch (RuntimeException e) {
      // Interrupted by close(), or Kafka away: delivery is tracked by the send's callback.
    }
  }

  /** A send the producer gave up on for a passing reason goes first in line again. */
  private void retryLater(OutgoingEvent event, Exception error) {
    if (buffer.offerFirst(event)) return;
    overflowed.incrementAndGet();
    LOG.warnf(
        "outbound-provisioning: an event for %s could not be sent (%s) and the buffer is full",
        event.topic(), error.getMessage());
  }

  private boolean sleep(long ms) {
    try {
      Thread.sleep(ms);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Flushes for at most the flush timeout, then says how many events were not sent. */
  @Override
  public void close() {
    running = false;
    long deadline = System.nanoTime() + flushTimeout.toNanos();
    try {
      sender.join(Math.max(1, flushTimeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sender.interrupt();
    long left = Math.max(0, deadline - System.nanoTime());
    closing = true;
    producer.close(Duration.ofNanos(left));
    topics.close();
    // The Kafka client drops what it still holds when its close times out (Kafka was away).
    long unsent = pending() + unsentAtClose.get();
    if (unsent > 0 || overflowed.get() > 0)
      LOG.warnf(
          "outbound-provisioning: stopped with %d events unsent after %d ms and %d lost to a full"
              + " buffer; a sync of the provisioning sidecar repairs what they would have changed",
          unsent, flushTimeout.toMillis(), overflowed.get());
  }
}
