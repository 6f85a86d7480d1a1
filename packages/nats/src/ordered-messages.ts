import { StoreUnavailableError } from '@chronicle/core';
import type { ConsumeOptions, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { isTransient } from './jetstream-errors.js';
import type { StoreContext } from './store-context.js';

/** Consumer notifications after which the consumer is recreated from the last delivered sequence. */
const RESTART_ON = new Set(['reset', 'consumer_not_found', 'consumer_deleted', 'heartbeats_missed', 'stream_not_found', 'no_responders']);

/** Options of {@link orderedMessages}. */
export type OrderedMessagesOptions = {
  /** First stream sequence to deliver. */
  readonly from: number;
  /** Only messages of this subject. */
  readonly subject?: string;
  readonly pull: ConsumeOptions;
  /** Ends the iteration quietly. */
  readonly stop: AbortSignal;
  /** Fail with `STORE_UNAVAILABLE` when no message arrives for this long (bounded reads); wait forever when absent (subscriptions). */
  readonly idleTimeoutMs?: number;
};

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

function watch(messages: ConsumerMessages): void {
  void (async () => {
    for await (const status of messages.status()) {
      if (RESTART_ON.has(status.type)) {
        messages.stop();
        return;
      }
    }
  })().catch(() => undefined);
}

/**
 * JetStream messages from `options.from` on, in stream order, through an
 * ordered consumer that this function recreates, after the last delivered
 * sequence, whenever the client resets it, the server loses it (restart,
 * failover) or its iterator ends early. Recreating here rather than relying on
 * the client's own recovery matters: after a server restart the client's
 * recovered consumer stops after one message. Transient failures are retried
 * while the store is open; anything else is thrown. Ends quietly when `stop`
 * aborts or the store closes.
 */
export async function* orderedMessages(context: StoreContext, options: OrderedMessagesOptions): AsyncGenerator<JsMsg> {
  const stop = AbortSignal.any([options.stop, context.closed]);
  let next = options.from;
  let lastProgress = Date.now();
  for (let failures = 0; !stop.aborted; failures++) {
    if (options.idleTimeoutMs !== undefined && Date.now() - lastProgress > options.idleTimeoutMs) {
      throw new StoreUnavailableError(`reading ${context.layout.eventsStream}: no message from sequence ${next} for ${options.idleTimeoutMs} ms`, false);
    }
    if (failures > 0) await sleep(Math.min(1_000, 50 * 2 ** failures), stop);
    if (stop.aborted) break;
    let messages: ConsumerMessages;
    let remove: () => Promise<unknown>;
    try {
      const consumer = await context.js.consumers.get(context.layout.eventsStream, {
        opt_start_seq: next,
        ...(options.subject ? { filter_subjects: options.subject } : {}),
      });
      remove = () => consumer.delete();
      messages = await consumer.consume(options.pull);
    } catch (error) {
      if (stop.aborted) break;
      if (isTransient(error)) continue;
      throw new StoreUnavailableError(`NATS JetStream: ${(error as Error).message}`, false, { cause: error });
    }
    const onStop = (): void => messages.stop();
    stop.addEventListener('abort', onStop, { once: true });
    // Idle time counts only while waiting for the server, not while the caller holds a message.
    let holding = false;
    const idle =
      options.idleTimeoutMs === undefined ? undefined : setInterval(() => !holding && Date.now() - lastProgress > options.idleTimeoutMs! && messages.stop(), 250);
    watch(messages);
    try {
      for await (const message of messages) {
        next = message.seq + 1;
        failures = 0;
        holding = true;
        yield message;
        holding = false;
        lastProgress = Date.now();
      }
    } catch (error) {
      if (!stop.aborted && !isTransient(error)) throw new StoreUnavailableError(`NATS JetStream: ${(error as Error).message}`, false, { cause: error });
    } finally {
      clearInterval(idle);
      stop.removeEventListener('abort', onStop);
      messages.stop();
      remove().catch(() => undefined);
    }
  }
}
