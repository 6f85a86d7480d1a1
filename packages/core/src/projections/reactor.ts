import type { EventMetadata, RecordedEvent } from '../events/event.js';
import type { EventStore } from '../store/event-store.js';
import { retryDelay, sleep } from '../commands/retry.js';
import { CheckpointMovedError, createConsumer, type Consumer, type ConsumerOptions } from './consumer.js';
import type { ParkedEvent } from './host.js';
import { consoleLogger } from './logger.js';

/** Metadata for events caused by `event`: its id becomes the causation, its correlation carries on. */
export function causedBy(event: Pick<RecordedEvent, 'eventId' | 'metadata'>): EventMetadata {
  return { correlationId: event.metadata.correlationId ?? event.eventId, causationId: event.eventId };
}

/** What a reactor's handler receives besides the event. */
export type ReactorContext = {
  /** Which attempt this is (1-based). */
  readonly attempt: number;
  /** Metadata to put on events this reaction appends (correlation and causation). */
  readonly metadata: EventMetadata;
};

/** A side effect triggered by events: send a mail, call another service, append follow-up events. */
export type Reactor = {
  readonly name: string;
  readonly eventTypes?: readonly string[];
  readonly react: (event: RecordedEvent, context: ReactorContext) => Promise<void> | void;
};

/** Options of {@link createReactorRunner}. */
export type ReactorRunnerOptions = ConsumerOptions & {
  readonly reactor: Reactor;
  /** Attempts per event before it is parked (default 5). */
  readonly maxAttempts?: number;
  /** Backoff between attempts of one event (default 20 ms doubling to 2 s). */
  readonly eventRetry?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
};

/** An asynchronous reactor: a consumer plus tools to handle parked events. */
export interface ReactorRunner extends Consumer {
  /** Events this reactor gave up on. */
  parked(): Promise<ParkedEvent[]>;
  /** Runs the reaction for a parked event again; on success it is removed from the parked list. */
  retryParked(eventId: string): Promise<boolean>;
  /** Drops a parked event without reacting to it. */
  skipParked(eventId: string): Promise<boolean>;
}

/**
 * Runs a reactor asynchronously, durably and at least once: events are handed
 * to `react` one by one in global order, each retried with backoff; an event
 * that still fails after `maxAttempts` is parked with its error and the
 * reactor moves on, so one poison event never blocks the rest. The checkpoint
 * advances after each batch, so a crash may repeat reactions of the batch in
 * flight: reactions should be idempotent (the event id or global position is
 * the natural idempotency key).
 */
export function createReactorRunner(options: ReactorRunnerOptions): ReactorRunner {
  const { reactor } = options;
  const host = options.host;
  const logger = options.logger ?? consoleLogger;
  const maxAttempts = options.maxAttempts ?? 5;
  const backoff = { initialDelayMs: options.eventRetry?.initialDelayMs ?? 20, maxDelayMs: options.eventRetry?.maxDelayMs ?? 2_000 };
  const name = reactor.name;
  const wanted = (event: RecordedEvent): boolean => !reactor.eventTypes || reactor.eventTypes.includes(event.type);

  async function reactWithRetries(event: RecordedEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await reactor.react(event, { attempt, metadata: causedBy(event) });
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (attempt >= maxAttempts) {
          await host.parked.park(name, event, message, attempt);
          logger.error({ reactor: name, eventId: event.eventId, position: event.globalPosition, attempts: attempt, err: message }, 'event parked');
          return;
        }
        logger.warn({ reactor: name, eventId: event.eventId, attempt, err: message }, 'reaction failed; retrying');
        await sleep(retryDelay(backoff, attempt));
      }
    }
  }

  const consumer = createConsumer(
    name,
    options,
    async (page, from) => {
      for (const event of page) if (wanted(event)) await reactWithRetries(event);
      const to = page[page.length - 1]!.globalPosition;
      const advanced = await host.transaction((tx) => tx.checkpoints.advance(name, from, to));
      if (!advanced) throw new CheckpointMovedError(name);
    },
    async () => ({ parked: (await host.parked.list(name)).length }),
  );

  async function findEvent(store: Pick<EventStore, 'readAll'>, parked: ParkedEvent): Promise<RecordedEvent | undefined> {
    for await (const event of store.readAll({ after: parked.globalPosition - 1, limit: 1 })) {
      if (event.eventId === parked.eventId) return event;
    }
    return undefined;
  }

  return {
    ...consumer,
    parked: () => host.parked.list(name),
    async retryParked(eventId) {
      const entry = (await host.parked.list(name)).find((p) => p.eventId === eventId);
      if (!entry) return false;
      const event = await findEvent(options.store, entry);
      if (!event) return false;
      try {
        await reactor.react(event, { attempt: entry.attempts + 1, metadata: causedBy(event) });
      } catch (error) {
        await host.parked.park(name, event, error instanceof Error ? error.message : String(error), entry.attempts + 1);
        return false;
      }
      return host.parked.remove(name, eventId);
    },
    skipParked: (eventId) => host.parked.remove(name, eventId),
  };
}
