import type { RecordedEvent } from '../events/event.js';
import type { EventStore } from '../store/event-store.js';
import { retryDelay, sleep } from '../commands/retry.js';
import type { OutboxMessage, ProjectionHost, StoredOutboxMessage } from './host.js';
import { consoleLogger, type Logger } from './logger.js';
import type { Projection } from './projection.js';

/** A public (integration) event derived from a domain event. */
export type PublicEvent = { readonly type: string; readonly data: unknown };

/** Options of {@link publicEvents}. */
export type PublicEventsOptions = {
  readonly name: string;
  /** Broker topic the messages go to. */
  readonly topic: string;
  readonly eventTypes?: readonly string[];
  /** Translates a domain event into zero or more public events (internal details stay inside). */
  readonly map: (event: RecordedEvent) => PublicEvent | readonly PublicEvent[] | undefined;
};

/**
 * An inline projection that writes public events to the outbox in the same
 * transaction as the domain events: if the append rolls back, so do they, and
 * other services never hear of an event that did not happen. Register it with
 * the store's inline projections and run an {@link createOutboxRelay} to deliver.
 */
export function publicEvents(options: PublicEventsOptions): Projection {
  return {
    name: options.name,
    ...(options.eventTypes ? { eventTypes: options.eventTypes } : {}),
    async handle(events, tx) {
      const messages: OutboxMessage[] = [];
      for (const event of events) {
        const mapped = options.map(event);
        if (mapped === undefined) continue;
        for (const publicEvent of Array.isArray(mapped) ? (mapped as readonly PublicEvent[]) : [mapped as PublicEvent]) {
          messages.push({ topic: options.topic, type: publicEvent.type, data: publicEvent.data, key: event.streamId, sourceEventId: event.eventId });
        }
      }
      if (messages.length > 0) await tx.outbox.add(messages);
    },
  };
}

/** Delivers outbox messages to a broker (or anything); must throw when delivery failed. */
export type Publisher = (messages: readonly StoredOutboxMessage[]) => Promise<void>;

/** Options of {@link createOutboxRelay}. */
export type OutboxRelayOptions = {
  readonly host: ProjectionHost<never> | ProjectionHost<unknown>;
  /** Used only to wake up when new events (and so new outbox rows) are committed. */
  readonly store: Pick<EventStore, 'subscribe' | 'headPosition'>;
  readonly publish: Publisher;
  readonly name?: string;
  readonly batchSize?: number;
  readonly logger?: Logger;
};

/** A running outbox relay. */
export interface OutboxRelay {
  start(): void;
  stop(): Promise<void>;
  /** Delivers everything currently in the outbox; resolves with the number of messages delivered. */
  drain(): Promise<number>;
}

/**
 * Delivers outbox messages in order, at least once: a batch is published, then
 * the relay's checkpoint is advanced; a crash in between repeats that batch, so
 * consumers deduplicate by `position` or `sourceEventId`.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const host = options.host as ProjectionHost<unknown>;
  const name = `outbox:${options.name ?? 'default'}`;
  const batchSize = options.batchSize ?? 500;
  const logger = options.logger ?? consoleLogger;
  let stopper: AbortController | undefined;
  let running: Promise<void> | undefined;

  async function deliverBatch(): Promise<number> {
    const from = await host.transaction((tx) => tx.checkpoints.get(name));
    const messages = await host.readOutbox(from ?? 0, batchSize);
    if (messages.length === 0) return 0;
    await options.publish(messages);
    const to = messages[messages.length - 1]!.position;
    await host.transaction(async (tx) => {
      if (!(await tx.checkpoints.advance(name, from, to))) throw new Error(`${name}: checkpoint moved by another relay`);
    });
    return messages.length;
  }

  async function drain(): Promise<number> {
    let total = 0;
    for (let delivered = await deliverBatch(); delivered > 0; delivered = await deliverBatch()) total += delivered;
    return total;
  }

  async function loop(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const after = await options.store.headPosition();
        await drain();
        failures = 0;
        const wake = AbortSignal.any([signal, AbortSignal.timeout(5_000)]);
        for await (const _event of options.store.subscribe({ after, signal: wake, batchSize: 1 })) break;
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        logger.error({ relay: name, failures, err: error instanceof Error ? error.message : String(error) }, 'outbox delivery failed; will retry');
        await sleep(retryDelay({ initialDelayMs: 50, maxDelayMs: 5_000 }, failures));
      }
    }
  }

  return {
    start() {
      if (running) return;
      stopper = new AbortController();
      running = loop(stopper.signal);
    },
    async stop() {
      stopper?.abort();
      await running;
      running = undefined;
    },
    drain,
  };
}
