import { assertReadAllOptions, filterPredicate, type ReadAllOptions, type RecordedEvent } from '@chronicle/core';
import { bodyEvents, commitPages, storedCommit } from './commit-events.js';
import { scanCommits } from './commit-scan.js';
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
  // Commits are turned into pages here rather than by a generator of pages: one async layer less per commit.
  for await (const commit of scanCommits(context, { from, to })) {
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
}
