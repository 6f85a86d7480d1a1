import { assertReadAllOptions, filterPredicate, type ReadAllOptions, type RecordedEvent } from '@chronicle/core';
import { commitPages, storedCommit } from './commit-events.js';
import { scanCommits } from './commit-scan.js';
import { firstSequenceAfter, globalPosition, messageOf } from './positions.js';
import { assertOpen, type StoreContext } from './store-context.js';
import { lifecycleView, type LifecycleView } from './lifecycle-view.js';

/** `EventStore.headPosition`: the last event of the newest commit. */
export async function headPosition(context: StoreContext): Promise<number> {
  assertOpen(context);
  const message = await context.io.getMessage(context.layout.eventsStream, { last_by_subj: context.layout.allEvents });
  if (!message) return 0;
  const commit = storedCommit(message);
  return globalPosition(commit.seq, commit.header.count - 1);
}

/** The events of commits in either direction between two sequences (inclusive), each commit's in its order. */
async function* commitEvents(
  context: StoreContext,
  from: number,
  to: number,
  backwards: boolean,
  view: LifecycleView | undefined,
): AsyncGenerator<RecordedEvent[]> {
  if (!backwards) {
    for await (const commit of scanCommits(context, { from, to })) {
      view?.saw(commit);
      yield* commitPages(context, commit);
    }
    return;
  }
  // JetStream reads forwards only: walk back one message per request, each commit's events reversed.
  for (let seq = to; seq >= from; seq--) {
    const message = await context.io.getMessage(context.layout.eventsStream, { seq });
    if (!message || context.layout.isRecordSubject(message.subject)) continue;
    const events: RecordedEvent[] = [];
    for await (const page of commitPages(context, storedCommit(message))) events.push(...page);
    yield events.reverse();
  }
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
export async function* readAll(context: StoreContext, options?: ReadAllOptions): AsyncGenerator<RecordedEvent> {
  assertOpen(context);
  assertReadAllOptions(options);
  const after = options?.after ?? 0;
  const before = options?.before ?? Number.MAX_SAFE_INTEGER;
  const limit = options?.limit ?? Number.POSITIVE_INFINITY;
  const passes = filterPredicate(options?.filter);
  if (limit === 0) return;
  const last = await context.io.lastSequence(context.layout.eventsStream);
  const from = firstSequenceAfter(after);
  const to = Math.min(last, messageOf(Math.max(before - 1, 0)).sequence);
  if (from > to) return;
  const view = await lifecycleView(context, false);
  let count = 0;
  for await (const page of commitEvents(context, from, to, options?.direction === 'backwards', view)) {
    for (const event of page) {
      if (event.globalPosition <= after || event.globalPosition >= before || (passes && !passes(event))) continue;
      if (view?.affects(event.streamId) && !(await view.visible(event))) continue;
      yield event;
      if (++count >= limit) return;
    }
  }
}
