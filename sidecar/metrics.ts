// Prometheus metrics of the sidecar, in a registry of its own (several sidecars can share a test
// process): events by type and outcome, provisioning by connector and status, retries,
// dead-lettered events, consumer lag, and event time → provisioned.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Distinct event types kept as labels; the types come from messages, so their number is capped. */
const MAX_EVENT_TYPES = 200;
const EVENT_TYPE = /^[A-Z][A-Z0-9_]{0,63}(:[A-Z][A-Z0-9_]{0,31})?$/;

/** The event type as a label: Keycloak-shaped names as they are, up to a cap; anything else `other`. */
export function eventTypeLabels(): (type: string) => string {
  const seen = new Set<string>();
  return (type) => {
    if (!EVENT_TYPE.test(type)) return 'other';
    if (!seen.has(type) && seen.size >= MAX_EVENT_TYPES) return 'other';
    seen.add(type);
    return type;
  };
}

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    eventType: eventTypeLabels(),
    events: new Counter({
      name: 'sidecar_events_total',
      help: 'Keycloak events handled, by type and outcome',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    provisioning: new Counter({
      name: 'sidecar_provisioning_total',
      help: 'Provisioning outcomes, by connector type and status',
      labelNames: ['connector_type', 'status'] as const,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'sidecar_event_retries_total',
      help: 'Events re-run after a retriable failure',
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'sidecar_dead_lettered_total',
      help: 'Events sent to a dead-letter topic, by reason kind',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'sidecar_consumer_lag',
      help: 'Messages of the partition not yet committed (high watermark − committed offset)',
      labelNames: ['topic', 'partition'] as const,
      registers: [registry],
    }),
    syncObjects: new Counter({
      name: 'sidecar_sync_objects_total',
      help: 'Objects converged by syncs, by outcome (created, updated, unchanged, deleted, skipped, failed)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    syncDuration: new Gauge({
      name: 'sidecar_sync_last_duration_seconds',
      help: 'How long the last sync of each identity provider took, from start to finish',
      labelNames: ['identity_provider', 'status'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'sidecar_event_to_provisioned_seconds',
      help: "From the event's time in Keycloak to its provisioning being stored",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
