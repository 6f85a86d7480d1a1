import {
  assertReadAllOptions,
  filterPredicate,
  StoreClosedError,
  type ReadAllOptions,
  type RecordedEvent,
} from '@chronicle/core';
import type { JsMsg } from '@nats-io/jetstream';
import { bodyEvents, commitPages, deliveredCommit, storedCommit, type CommitMessage } from './commit-events.js';
import { DIRECT_READS, directCommit, rangeMessages } from './commit-scan.js';
import { firstSequenceAfter, globalPosition, messageOf } from './positions.js';
import { assertOpen, type StoreContext } from './store-context.js';
import { lifecycleView, type LifecycleView } from './lifecycle-view.js';
import { itemsOf } from './page-iterator.js';

/** `EventStore.headPosition`: the last event of the newest commit. */
export async function headPosition(context: StoreContext): Promise<number> {
  assertOpen(context);
  const message = await context.io.getMessage(context.layout.eventsStream, { last_by_subj: context.layout.allEvents });
  if (!message) return 0;
  const commit = storedCommit(message);
  return globalPosition(commit.seq, commit.header.count - 1);
}

/** The events of commits backwards between two sequences (inclusive), each commit's reversed, a page per commit. */
async function* backwardPages(context: StoreContext, from: number, to: number): AsyncGenerator<RecordedEvent[]> {
  // JetStream reads forwards only: walk back one message per request.
  for (let seq = to; seq >= from; seq--) {
    const message = await context.io.getMessage(context.layout.eventsStream, { seq });
    if (!message || context.layout.isRecordSubject(message.subject)) continue;
    const events: RecordedEvent[] = [];
    for await (const page of commitPages(context, storedCommit(message))) events.push(...page);
    yield events.reverse();
  }
}

/** The events of a page that a read shows; the page itself when it shows all (usually). */
type Selector = (page: RecordedEvent[]) => RecordedEvent[] | Promise<RecordedEvent[]>;

function selector(
  after: number,
  before: number,
  passes: ((event: RecordedEvent) => boolean) | undefined,
  view: LifecycleView | undefined,
): Selector {
  const shownNow = (event: RecordedEvent): boolean | undefined => {
    if (event.globalPosition <= after || event.globalPosition >= before || (passes && !passes(event))) return false;
    return view?.affects(event.streamId) ? undefined : true;
  };
  const slow = async (page: RecordedEvent[], from: number): Promise<RecordedEvent[]> => {
    const kept = page.slice(0, from);
    for (let i = from; i < page.length; i++) {
      const event = page[i]!;
      const shown = shownNow(event) ?? (await view!.visible(event));
      if (shown) kept.push(event);
    }
    return kept;
  };
  return (page) => {
    for (let i = 0; i < page.length; i++) if (shownNow(page[i]!) !== true) return slow(page, i);
    return page;
  };
}

/**
 * `EventStore.readAll`: commits in stream-sequence order (or the reverse) up
 * to the sequence that was last when the read began. JetStream assigns
 * sequences in commit order and a message is readable once acknowledged, so
 * there are no gaps to wait for. Filters apply in this process: every commit
 * in the range is fetched (JetStream subjects cannot express a stream-id
 * prefix within a token, and types live inside messages), but only matching
 * events are returned. Stream lifecycle (metadata, deletions) hides events
 * as in stream reads: only streams with a lifecycle index record when the read
 * starts are looked at, each once.
 */
export function readAll(context: StoreContext, options?: ReadAllOptions): AsyncIterableIterator<RecordedEvent> {
  return itemsOf(readAllPages(context, options));
}

/** The pages of {@link readAll}: each commit's (or chunk's) events that the read returns. */
async function* readAllPages(context: StoreContext, options?: ReadAllOptions): AsyncGenerator<RecordedEvent[]> {
  assertOpen(context);
  assertReadAllOptions(options);
  const after = options?.after ?? 0;
  const before = options?.before ?? Number.MAX_SAFE_INTEGER;
  const limit = options?.limit ?? Number.POSITIVE_INFINITY;
  if (limit === 0) return;
  const last = await context.io.lastSequence(context.layout.eventsStream);
  const from = firstSequenceAfter(after);
  const to = Math.min(last, messageOf(Math.max(before - 1, 0)).sequence);
  if (from > to) return;
  const view = await lifecycleView(context, false);
  const select = selector(after, before, filterPredicate(options?.filter), view);
  let remaining = limit;
  // The part of a selected page within the limit; a page that shows all is not awaited (one tick less per commit).
  const take = (selected: RecordedEvent[]): RecordedEvent[] => {
    const kept = selected.length > remaining ? selected.slice(0, remaining) : selected;
    remaining -= kept.length;
    return kept;
  };
  if (options?.direction === 'backwards') {
    for await (const page of backwardPages(context, from, to)) {
      const kept = take(await select(page));
      if (kept.length > 0) yield kept;
      if (remaining <= 0) return;
    }
    return;
  }
  // The commits are read here rather than through scanCommits: one async generator layer less per commit.
  const range = { from, to };
  const done = new AbortController();
  let messages: AsyncGenerator<JsMsg> | undefined;
  try {
    for (let next = from, direct = 0; next <= to; ) {
      let commit: CommitMessage | undefined;
      if (direct < DIRECT_READS) {
        direct++;
        commit = await directCommit(context, range, next);
        if (!commit) return;
      } else {
        messages ??= rangeMessages(context, range, next, done.signal);
        const result = await messages.next();
        if (result.done) {
          if (context.closed.aborted) throw new StoreClosedError(context.storeName);
          return;
        }
        next = result.value.seq + 1;
        // Lifecycle index records share the events stream; a bounded read takes the lifecycle it found at its start.
        if (context.layout.isRecordSubject(result.value.subject)) continue;
        commit = deliveredCommit(result.value);
      }
      next = commit.seq + 1;
      view?.saw(commit);
      const inBody = bodyEvents(context, commit);
      if (inBody) {
        const selected = select(inBody);
        const kept = take(Array.isArray(selected) ? selected : await selected);
        if (kept.length > 0) yield kept;
        if (remaining <= 0) return;
        continue;
      }
      for await (const page of commitPages(context, commit)) {
        const kept = take(await select(page));
        if (kept.length > 0) yield kept;
        if (remaining <= 0) return;
      }
    }
  } finally {
    done.abort();
    await messages?.return(undefined);
  }
}
