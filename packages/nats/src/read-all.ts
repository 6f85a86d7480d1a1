import { assertReadAllOptions, type ReadAllOptions, type RecordedEvent } from '@chronicle/core';
import { commitPages, storedCommit } from './commit-events.js';
import { scanCommits } from './commit-scan.js';
import { firstSequenceAfter, globalPosition } from './positions.js';
import { assertOpen, type StoreContext } from './store-context.js';

/** `EventStore.headPosition`: the last event of the newest commit. */
export async function headPosition(context: StoreContext): Promise<number> {
  assertOpen(context);
  const message = await context.io.getMessage(context.layout.eventsStream, { last_by_subj: context.layout.allEvents });
  if (!message) return 0;
  const commit = storedCommit(message);
  return globalPosition(commit.seq, commit.header.count - 1);
}

/**
 * `EventStore.readAll`: commits in stream-sequence order up to the sequence
 * that was last when the read began. JetStream assigns sequences in commit
 * order and a message is readable once acknowledged, so there are no gaps to wait for.
 */
export async function* readAll(context: StoreContext, options?: ReadAllOptions): AsyncGenerator<RecordedEvent> {
  assertOpen(context);
  assertReadAllOptions(options);
  const after = options?.after ?? 0;
  const limit = options?.limit ?? Number.POSITIVE_INFINITY;
  if (limit === 0) return;
  const to = await context.io.lastSequence(context.layout.eventsStream);
  const from = firstSequenceAfter(after);
  if (from > to) return;
  let count = 0;
  for await (const commit of scanCommits(context, { from, to })) {
    for await (const page of commitPages(context, commit)) {
      for (const event of page) {
        if (event.globalPosition <= after) continue;
        yield event;
        if (++count >= limit) return;
      }
    }
  }
}
