import {
  ValidationError,
  assertGlobalLogFilter,
  filterPredicate,
  startPosition,
  type RecordedEvent,
  type SubscribeOptions,
} from '@chronicle/core';
import type { ConsumeOptions } from '@nats-io/jetstream';
import { commitPages, deliveredCommit } from './commit-events.js';
import { PREFETCH_MESSAGES } from './commit-scan.js';
import { orderedMessages } from './ordered-messages.js';
import { firstSequenceAfter } from './positions.js';
import { headPosition } from './read-all.js';
import { assertOpen, type StoreContext } from './store-context.js';
import { lifecycleView } from './lifecycle-view.js';


function consumeOptions(batchSize: number | undefined): ConsumeOptions {
  if (batchSize === undefined) return { max_messages: PREFETCH_MESSAGES };
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw ValidationError.of('batchSize', 'must be an integer >= 1');
  return { max_messages: batchSize };
}

/**
 * `EventStore.subscribe` on an ordered JetStream consumer: it starts at the
 * commit holding the start position and stays open, so catch-up and live
 * delivery are one stream of messages in stream-sequence order, pushed by the
 * server (no polling). After reconnects, server restarts and failovers the
 * consumer is recreated after the last delivered message (see
 * {@link orderedMessages}). Ends when `options.signal` aborts or the store closes.
 */
export function subscribe(context: StoreContext, options: SubscribeOptions = {}): AsyncGenerator<RecordedEvent> {
  assertOpen(context);
  // Read now: an 'end' start is fixed when subscribe is called (appends wait for it, see SubscriptionStarts).
  return follow(context, options, startPosition(options.after, () => headPosition(context), context.starts));
}

async function* follow(
  context: StoreContext,
  options: SubscribeOptions,
  start: Promise<number>,
): AsyncGenerator<RecordedEvent> {
  const pull = consumeOptions(options.batchSize);
  assertGlobalLogFilter(options.filter);
  // Applied here, to each delivered commit's events (see readAll on why not in JetStream).
  const passes = filterPredicate(options.filter);
  const stop = options.signal ? AbortSignal.any([options.signal, context.closed]) : context.closed;
  let position: number;
  try {
    position = await start;
  } catch (error) {
    if (context.closed.aborted) return;
    throw error;
  }
  if (stop.aborted) return;
  try {
    const view = await lifecycleView(context, true);
    for await (const message of orderedMessages(context, { from: firstSequenceAfter(position), pull, stop })) {
      if (context.layout.isRecordSubject(message.subject)) {
        const { layout } = context;
        if (layout.isLifecycleSubject(message.subject)) view?.touched(layout.streamIdOfLifecycle(message.subject));
        continue;
      }
      const commit = deliveredCommit(message);
      view?.saw(commit);
      for await (const page of commitPages(context, commit)) {
        for (const event of page) {
          if (stop.aborted) return;
          if (event.globalPosition <= position) continue;
          position = event.globalPosition;
          if (passes && !passes(event)) continue;
          if (view?.affects(event.streamId) && !(await view.visible(event))) continue;
          yield event;
        }
      }
    }
  } catch (error) {
    // Closing the store while a chunk is being fetched ends the subscription quietly too.
    if (!stop.aborted) throw error;
  }
}
