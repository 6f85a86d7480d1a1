import { StoreClosedError } from '@chronicle/core';
import { deliveredCommit, storedCommit, type CommitMessage } from './commit-events.js';
import type { JsMsg } from '@nats-io/jetstream';
import { orderedMessages } from './ordered-messages.js';
import type { StoreContext } from './store-context.js';

/** Commits fetched one request each before switching to a consumer: most streams are short. */
export const DIRECT_READS = 4;

/**
 * Commits a consumer may buffer ahead of the reader. Counted in messages: the
 * client's byte-based pulls stall against NATS 2.9, and on newer servers they
 * were not faster. Larger pulls mean fewer pull requests, each a round trip the
 * reader may wait on; the buffer holds at most this many commit bodies (each
 * at most the server's max_payload). Large appends keep their events in chunks
 * fetched one at a time.
 */
export const PREFETCH_MESSAGES = 256;

/** A range of commits: all from `from` to `to` (stream sequences, inclusive), or only those of `subject`. */
export type CommitRange = {
  readonly from: number;
  readonly to: number;
  readonly subject?: string;
};

/**
 * The commits of a range in stream order. The first few are fetched with
 * single `STREAM.MSG.GET` requests; longer ranges continue on an ordered
 * consumer that buffers a bounded number of commits ahead, so memory stays
 * flat. One generator for both (not one delegating to another): each layer
 * of async generators costs a few promises per commit.
 */
export async function* scanCommits(context: StoreContext, range: CommitRange): AsyncGenerator<CommitMessage> {
  let next = range.from;
  for (let direct = 0; direct < DIRECT_READS && next <= range.to; direct++) {
    const message = await directCommit(context, range, next);
    if (!message) return;
    next = message.seq + 1;
    yield message;
  }
  if (next > range.to) return;
  const done = new AbortController();
  try {
    for await (const message of rangeMessages(context, range, next, done.signal)) {
      // Lifecycle index records share the events stream; a bounded read takes the lifecycle it found at its start.
      if (!context.layout.isRecordSubject(message.subject)) yield deliveredCommit(message);
      if (message.seq >= range.to) return;
    }
    if (context.closed.aborted) throw new StoreClosedError(context.storeName);
  } finally {
    done.abort();
  }
}

/** The range's first commit at or after `from` with a single `STREAM.MSG.GET`; undefined when there is none. */
export async function directCommit(
  context: StoreContext,
  range: CommitRange,
  from: number,
): Promise<CommitMessage | undefined> {
  const query = { seq: from, next_by_subj: range.subject ?? context.layout.allEvents };
  const message = await context.io.getMessage(context.layout.eventsStream, query);
  return !message || message.seq > range.to ? undefined : storedCommit(message);
}

/**
 * The messages of a range from `from` on, through an ordered consumer that
 * buffers at most {@link PREFETCH_MESSAGES} ahead; the caller stops at
 * `range.to`, skips record subjects and aborts `stop` when done.
 */
export function rangeMessages(
  context: StoreContext,
  range: CommitRange,
  from: number,
  stop: AbortSignal,
): AsyncGenerator<JsMsg> {
  return orderedMessages(context, {
    from,
    ...(range.subject ? { subject: range.subject } : {}),
    pull: { max_messages: PREFETCH_MESSAGES },
    stop,
    idleTimeoutMs: context.retryForMs,
  });
}
