import { randomUUID } from 'node:crypto';
import { ValidationError, WrongExpectedVersionError, assertStreamId, type RecordedEvent } from '@chronicle/core';
import { isWrongLastSequence } from './jetstream-errors.js';
import { assertOpen, type StoreContext } from './store-context.js';
import { subscribe } from './subscribe.js';

/** Options of {@link DurableFeed.events}. */
export type DurableFeedOptions = {
  /** Ends the feed: the iterator finishes without error. */
  readonly signal?: AbortSignal;
  /** Commits fetched per pull (default: up to 4 MiB). */
  readonly batchSize?: number;
};

/**
 * A named, resumable feed of the global log for one asynchronous consumer
 * (a projection, a reactor). Events come from an ordered JetStream consumer in
 * global order; the checkpoint is a replicated JetStream message (one per
 * feed, on the aux stream), so it survives restarts and failovers.
 *
 * Checkpoints are fenced: `checkpoint()` fails with `WRONG_EXPECTED_VERSION`
 * if another instance of the same feed wrote one since this instance last
 * read or wrote it, so two runners never silently interleave.
 *
 * @example
 * const feed = store.feed('orders-read-model');
 * for await (const event of feed.events({ signal })) {
 *   await apply(event);
 *   await feed.checkpoint(event.globalPosition);
 * }
 */
export interface DurableFeed {
  readonly name: string;
  /** The stored checkpoint: every event at or before it has been handled (0: none). */
  position(): Promise<number>;
  /** Events after the stored checkpoint: catch-up, then live, until aborted or the store closes. */
  events(options?: DurableFeedOptions): AsyncIterable<RecordedEvent>;
  /** Stores `position` (normally the global position of the last handled event) as the checkpoint. */
  checkpoint(position: number): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Creates the feed `name` of a store. */
export function createDurableFeed(context: StoreContext, name: string): DurableFeed {
  assertStreamId(name, 'name');
  const subject = context.layout.checkpointSubject(name);
  // Sequence of the checkpoint message this instance last saw: the fence.
  let seen = 0;
  let seenPosition = 0;
  let known = false;

  async function position(): Promise<number> {
    assertOpen(context);
    const message = await context.io.getMessage(context.layout.auxStream, { last_by_subj: subject });
    seen = message?.seq ?? 0;
    known = true;
    seenPosition = message ? (JSON.parse(decoder.decode(message.data)) as { position: number }).position : 0;
    return seenPosition;
  }

  return {
    name,
    position,
    async *events(options: DurableFeedOptions = {}) {
      const after = await position();
      yield* subscribe(context, { after, ...options });
    },
    async checkpoint(at: number): Promise<void> {
      assertOpen(context);
      if (!Number.isSafeInteger(at) || at < 0) throw ValidationError.of('position', 'must be an integer >= 0');
      if (!known) await position();
      try {
        const ack = await context.io.publish(subject, encoder.encode(JSON.stringify({ position: at })), {
          msgId: randomUUID(),
          expectLastSubjectSequence: seen,
        });
        seen = ack.seq;
        seenPosition = at;
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
        const expected = seenPosition;
        const actual = await position();
        throw new WrongExpectedVersionError(`feed ${name}`, expected, actual === 0 ? 'no_stream' : actual);
      }
    },
  };
}
