package dev.outboundprovisioning.keycloak;

import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Makes a topic before its first event: a Kafka broker left to create it on first use gives it
 * its default partition count (one, unless configured), and a topic of one partition can feed only
 * one sidecar. Throws a {@link RetriableException} while Kafka is away (the event then waits); a
 * refusal that waiting cannot change (no right to create topics) is logged once and the events go
 * to the topic as it is.
 */
public interface TopicMaker extends AutoCloseable {
  void ensure(String topic);

  @Override
  default void close() {}

  /** Creates missing topics with the Kafka admin client, `partitions` each. */
  static TopicMaker withAdmin(Properties clientProperties, int partitions, Short replication) {
    Admin admin = Admin.create(clientProperties);
    Logger log = Logger.getLogger(TopicMaker.class);
    return new TopicMaker() {
      @Override
      public void ensure(String topic) {
        NewTopic wanted = new NewTopic(topic, Optional.of(partitions), Optional.ofNullable(replication));
        try {
          admin.createTopics(List.of(wanted)).all().get(5, TimeUnit.SECONDS);
          log.infof("outbound-provisioning: created topic %s with %d partitions", topic, partitions);
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof TopicExistsException) {
            warnIfFewer(topic);
            return;
          }
          if (cause instanceof RetriableException retriable) throw retriable;
          log.warnf(
              "outbound-provisioning: cannot create topic %s (%s); sending to it as the broker has it",
              topic, cause.getMessage());
        } catch (java.util.concurrent.TimeoutException e) {
          throw new TimeoutException("no answer from Kafka while creating topic " + topic);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new TimeoutException("interrupted while creating topic " + topic);
        }
      }

      /** A topic made earlier (by the broker on first use) may have fewer partitions than asked. */
      private void warnIfFewer(String topic) {
        try {
          int has =
              admin.describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS)
                  .get(topic).partitions().size();
          if (has < partitions)
            log.warnf(
                "outbound-provisioning: topic %s has %d partitions, fewer than topic-partitions (%d):"
                    + " only %d sidecars can share it (kafka-topics.sh --alter --partitions raises it)",
                topic, has, partitions, has);
        } catch (Exception e) {
          if (e instanceof InterruptedException) Thread.currentThread().interrupt();
          log.debugf("outbound-provisioning: cannot describe topic %s: %s", topic, e.getMessage());
        }
      }

      @Override
      public void close() {
        admin.close(java.time.Duration.ofSeconds(1));
      }
    };
  }
}
