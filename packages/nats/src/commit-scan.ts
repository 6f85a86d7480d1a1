import { StoreClosedError, StoreUnavailableError } from '@chronicle/core';
import { deliveredCommit, storedCommit, type CommitMessage } from './commit-events.js';
import { retrying } from './jetstream-errors.js';
import type { StoreContext } from './store-context.js';

/** Commits fetched one request each before switching to a consumer: most streams are short. */
const DIRECT_READS = 4;
/**
 * Commits a consumer may buffer ahead of the reader. Counted in messages: the
 * client's byte-based pulls stall against NATS 2.9. Most commits are small, and
 * large appends keep their events in chunks fetched one at a time.
 */
export const PREFETCH_MESSAGES = 64;

/** A range of commits: all from `from` to `to` (stream sequences, inclusive), or only those of `subject`. */
export type CommitRange = {
  readonly from: number;
  readonly to: number;
  readonly subject?: string;
};

async function* viaConsumer(context: StoreContext, range: CommitRange): AsyncGenerator<CommitMessage> {
  const policy = { deadline: Date.now() + context.retryForMs, closed: context.closed, storeName: context.storeName };
  const consumer = await retrying(
    () => context.js.consumers.get(context.layout.eventsStream, { opt_start_seq: range.from, ...(range.subject ? { filter_subjects: range.subject } : {}) }),
    policy,
  );
  let last = range.from - 1;
  let idleSince = Date.now();
  try {
    while (last < range.to) {
      if (context.closed.aborted) throw new StoreClosedError(context.storeName);
      const batch = await retrying(() => consumer.fetch({ max_messages: PREFETCH_MESSAGES, expires: 1_000 }), policy);
      let received = 0;
      for await (const message of batch) {
        received++;
        last = message.seq;
        yield deliveredCommit(message);
        if (last >= range.to) break;
      }
      if (received > 0) idleSince = Date.now();
      else if (Date.now() - idleSince > context.retryForMs) {
        throw new StoreUnavailableError(`reading ${context.layout.eventsStream}: no message after sequence ${last}, expected up to ${range.to}`, false);
      }
    }
  } finally {
    consumer.delete().catch(() => undefined);
  }
}

/**
 * The commits of a range in stream order. The first few are fetched with
 * single `STREAM.MSG.GET` requests; longer ranges continue on an ordered
 * consumer that buffers a bounded number of commits ahead, so memory stays flat.
 */
export async function* scanCommits(context: StoreContext, range: CommitRange): AsyncGenerator<CommitMessage> {
  let next = range.from;
  for (let direct = 0; direct < DIRECT_READS && next <= range.to; direct++) {
    const query = { seq: next, next_by_subj: range.subject ?? context.layout.allEvents };
    const message = await context.io.getMessage(context.layout.eventsStream, query);
    if (!message || message.seq > range.to) return;
    next = message.seq + 1;
    yield storedCommit(message);
  }
  if (next <= range.to) yield* viaConsumer(context, { ...range, from: next });
}
