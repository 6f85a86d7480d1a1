import { StoreUnavailableError, ValidationError, type RecordedEvent, type SubscribeOptions } from '@chronicle/core';
import type { ConsumeOptions } from '@nats-io/jetstream';
import { commitEvents, deliveredCommit } from './commit-events.js';
import { PREFETCH_MESSAGES } from './commit-scan.js';
import { retrying } from './jetstream-errors.js';
import { firstSequenceAfter } from './positions.js';
import { headPosition } from './read-all.js';
import { assertOpen, type StoreContext } from './store-context.js';


async function startPosition(context: StoreContext, after: SubscribeOptions['after']): Promise<number> {
  const start = after ?? 'start';
  if (start === 'start') return 0;
  if (start === 'end') return headPosition(context);
  if (typeof start === 'number' && Number.isSafeInteger(start) && start >= 0) return start;
  throw ValidationError.of('after', "must be an integer >= 0, 'start' or 'end'");
}

function consumeOptions(batchSize: number | undefined): ConsumeOptions {
  if (batchSize === undefined) return { max_messages: PREFETCH_MESSAGES };
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw ValidationError.of('batchSize', 'must be an integer >= 1');
  return { max_messages: batchSize };
}

/**
 * `EventStore.subscribe` on an ordered JetStream consumer: it starts at the
 * commit holding the start position and stays open, so catch-up and live
 * delivery are one stream of messages in stream-sequence order, pushed by the
 * server (no polling). The client library recreates the consumer after
 * reconnects or missed heartbeats, resuming after the last delivered message.
 * Ends when `options.signal` aborts or the store closes.
 */
export async function* subscribe(context: StoreContext, options: SubscribeOptions = {}): AsyncGenerator<RecordedEvent> {
  assertOpen(context);
  const pull = consumeOptions(options.batchSize);
  const stop = options.signal ? AbortSignal.any([options.signal, context.closed]) : context.closed;
  let position: number;
  try {
    position = await startPosition(context, options.after);
  } catch (error) {
    if (context.closed.aborted) return;
    throw error;
  }
  if (stop.aborted) return;
  const policy = { deadline: Date.now() + context.retryForMs, closed: context.closed, storeName: context.storeName };
  const consumer = await retrying(() => context.js.consumers.get(context.layout.eventsStream, { opt_start_seq: firstSequenceAfter(position) }), policy);
  const messages = await consumer.consume(pull);
  const onStop = (): void => messages.stop();
  stop.addEventListener('abort', onStop, { once: true });
  try {
    for await (const message of messages) {
      for await (const event of commitEvents(context, deliveredCommit(message))) {
        if (stop.aborted) return;
        if (event.globalPosition <= position) continue;
        position = event.globalPosition;
        yield event;
      }
    }
    if (!stop.aborted) throw new StoreUnavailableError('subscription ended: the NATS connection closed', false);
  } catch (error) {
    if (stop.aborted) return;
    throw error;
  } finally {
    stop.removeEventListener('abort', onStop);
    messages.stop();
    consumer.delete().catch(() => undefined);
  }
}
