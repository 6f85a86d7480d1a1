import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventStore } from '@chronicle/core';
import type { RegisteredProjection } from './projection-registry.js';

/** The server's Prometheus metrics; applications register theirs in `registry`. */
export type ServerMetrics = {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;
  readonly subscribers: Gauge;
  /** Ended SSE connections by reason (client, overflow, stalled, shutdown, store-closed, error). */
  readonly sseDisconnects: Counter<'reason'>;
  /** SSE requests refused at the subscriber limit. */
  readonly sseRejected: Counter;
};

/** Creates the registry with HTTP, store-head and projection-lag metrics (collected on scrape). */
export function createMetrics(store: Pick<EventStore, 'headPosition'>, projections: () => readonly RegisteredProjection[]): ServerMetrics {
  const registry = new Registry();
  // prom-client names them process_* and nodejs_*: with this prefix, chronicle_process_cpu_seconds_total, chronicle_nodejs_heap_size_used_bytes, ...
  collectDefaultMetrics({ register: registry, prefix: 'chronicle_' });
  const requests = new Counter({ name: 'chronicle_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'] as const, registers: [registry] });
  const duration = new Histogram({
    name: 'chronicle_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const subscribers = new Gauge({ name: 'chronicle_sse_subscribers', help: 'Open /v1/subscribe connections', registers: [registry] });
  const sseDisconnects = new Counter({
    name: 'chronicle_sse_disconnects_total',
    help: 'Ended /v1/subscribe connections by reason: client, overflow (buffer full), stalled, shutdown, store-closed, error',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const sseRejected = new Counter({ name: 'chronicle_sse_rejected_total', help: '/v1/subscribe requests refused at the subscriber limit (503)', registers: [registry] });
  // A scrape must answer while the store is down (that is when metrics matter most):
  // store-backed gauges keep their last reading and chronicle_store_up says 0.
  new Gauge({
    name: 'chronicle_store_head_position',
    help: 'Global position of the newest event',
    registers: [registry],
    async collect() {
      const head = await store.headPosition().catch(() => undefined);
      if (head !== undefined) this.set(head);
    },
  });
  new Gauge({
    name: 'chronicle_store_up',
    help: '1 when the store answered this scrape, 0 when it did not',
    registers: [registry],
    async collect() {
      this.set(await store.headPosition().then(
        () => 1,
        () => 0,
      ));
    },
  });
  // The first gauge's collect refreshes all four, so one scrape shows one consistent reading.
  new Gauge({
    name: 'chronicle_projection_position',
    help: 'Global position a projection has processed',
    labelNames: ['projection'] as const,
    registers: [registry],
    async collect() {
      for (const projection of projections()) {
        const status = await projection.status().catch(() => undefined);
        if (!status) continue;
        this.set({ projection: status.name }, status.position);
        lag.set({ projection: status.name }, status.lagEvents);
        lagSeconds.set({ projection: status.name }, status.lagSeconds);
        failing.set({ projection: status.name }, status.failures);
      }
    },
  });
  const lag = new Gauge({ name: 'chronicle_projection_lag_events', help: 'Events a projection still has to process', labelNames: ['projection'] as const, registers: [registry] });
  const lagSeconds = new Gauge({ name: 'chronicle_projection_lag_seconds', help: 'Age of the oldest unprocessed event', labelNames: ['projection'] as const, registers: [registry] });
  const failing = new Gauge({ name: 'chronicle_projection_failures', help: 'Consecutive failed batches', labelNames: ['projection'] as const, registers: [registry] });
  return { registry, requests, duration, subscribers, sseDisconnects, sseRejected };
}
