import type { StoredOutboxMessage } from './host.js';

/** What a relay target (RabbitMQ, JetStream) reports; `lagMs` is how old the oldest unconfirmed message is. */
export type RelayTargetMetrics = {
  readonly connected: boolean;
  /** Messages confirmed by the broker (a repeated batch counts again). */
  readonly confirmed: number;
  readonly batches: number;
  /** Batches that failed, in total and in a row (0 once a batch succeeds). */
  readonly failures: number;
  readonly consecutiveFailures: number;
  readonly reconnects: number;
  /** Age in ms of the first message of the batch being published or retried; 0 when nothing is pending. */
  readonly lagMs: number;
  /** Delay from outbox write to broker confirm of the last confirmed message. */
  readonly lastDeliveryDelayMs?: number;
  readonly lastError?: { readonly message: string; readonly at: string };
};

/** Bookkeeping behind {@link RelayTargetMetrics}, shared by the broker targets. */
export type TargetMetricsTracker = {
  /** A batch is being published. */
  begin(messages: readonly StoredOutboxMessage[]): void;
  /** The broker confirmed it. */
  confirmed(messages: readonly StoredOutboxMessage[]): void;
  failed(error: unknown): void;
  snapshot(connection: { readonly connected: boolean; readonly reconnects: number }): RelayTargetMetrics;
};

/** A fresh tracker (real clock). */
export function trackTargetMetrics(now: () => number = Date.now): TargetMetricsTracker {
  const counts = { confirmed: 0, batches: 0, failures: 0, consecutiveFailures: 0 };
  let pendingSince: number | undefined;
  let lastDeliveryDelayMs: number | undefined;
  let lastError: { message: string; at: string } | undefined;
  return {
    begin(messages) {
      if (messages.length > 0) pendingSince = messages[0]!.createdAt.getTime();
    },
    confirmed(messages) {
      counts.confirmed += messages.length;
      counts.batches++;
      counts.consecutiveFailures = 0;
      const last = messages[messages.length - 1];
      if (last) lastDeliveryDelayMs = Math.max(0, now() - last.createdAt.getTime());
      pendingSince = undefined;
    },
    failed(error) {
      counts.failures++;
      counts.consecutiveFailures++;
      lastError = {
        message: error instanceof Error ? error.message : String(error),
        at: new Date(now()).toISOString(),
      };
    },
    snapshot(connection) {
      return {
        ...counts,
        connected: connection.connected,
        reconnects: connection.reconnects,
        lagMs: pendingSince === undefined ? 0 : Math.max(0, now() - pendingSince),
        ...(lastDeliveryDelayMs === undefined ? {} : { lastDeliveryDelayMs }),
        ...(lastError ? { lastError } : {}),
      };
    },
  };
}
