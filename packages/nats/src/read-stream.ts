import {
  StreamDeletedError,
  assertReadStreamOptions,
  firstVisiblePosition,
  withinMaxAge,
  type ReadStreamOptions,
  type RecordedEvent,
} from '@chronicle/core';
import { commitPages, firstPosition, storedCommit, type CommitMessage } from './commit-events.js';
import { scanCommits } from './commit-scan.js';
import { assertOpen, type StoreContext } from './store-context.js';
import { metadataOf } from './lifecycle.js';
import { headOf, lastCommit } from './stream-head.js';

async function commitAt(context: StoreContext, query: { seq: number; next_by_subj?: string }): Promise<CommitMessage> {
  const message = await context.io.getMessage(context.layout.eventsStream, query.next_by_subj ? { seq: query.seq, next_by_subj: query.next_by_subj } : { seq: query.seq });
  if (!message) throw new Error(`${context.layout.eventsStream}: no commit at sequence ${query.seq}`);
  return storedCommit(message);
}

/**
 * The commit holding stream position `position` (1 <= position <= version of
 * `last`): a binary search over stream sequences, each probe asking for the
 * stream's first commit at or after a sequence. O(log n) requests.
 */
async function locate(context: StoreContext, subject: string, position: number, last: CommitMessage): Promise<CommitMessage> {
  if (firstPosition(last) <= position) return last;
  let low = 1;
  let high = last.seq;
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const probe = await commitAt(context, { seq: middle, next_by_subj: subject });
    if (probe.header.version < position) low = probe.seq + 1;
    else if (firstPosition(probe) > position) high = middle - 1;
    else return probe;
  }
  throw new Error(`${subject}: no commit holds position ${position}`);
}

async function* forwards(context: StoreContext, subject: string, last: CommitMessage, from: number): AsyncGenerator<RecordedEvent> {
  const start = from <= 1 ? 1 : (await locate(context, subject, from, last)).seq;
  for await (const commit of scanCommits(context, { from: start, to: last.seq, subject })) {
    for await (const page of commitPages(context, commit)) {
      for (const event of page) if (event.streamPosition >= from) yield event;
    }
  }
}

async function* backwards(
  context: StoreContext,
  subject: string,
  last: CommitMessage,
  from: number,
  to: number,
): AsyncGenerator<RecordedEvent> {
  // Each commit links to the stream's previous one, so walking back costs one request per commit.
  let commit: CommitMessage | undefined = await locate(context, subject, from, last);
  while (commit && commit.header.version >= to) {
    const events: RecordedEvent[] = [];
    for await (const page of commitPages(context, commit)) events.push(...page.filter((event) => event.streamPosition <= from));
    for (let i = events.length - 1; i >= 0; i--) yield events[i]!;
    commit = commit.header.previous > 0 ? await commitAt(context, { seq: commit.header.previous }) : undefined;
  }
}

/** `EventStore.readStream` on JetStream. */
export async function* readStream(context: StoreContext, streamId: string, options?: ReadStreamOptions): AsyncGenerator<RecordedEvent> {
  assertOpen(context);
  assertReadStreamOptions(streamId, options);
  const limit = options?.limit ?? Number.POSITIVE_INFINITY;
  if (limit === 0) return;
  const subject = context.layout.eventSubject(streamId);
  const last = await lastCommit(context, streamId);
  if (!last) return;
  const head = headOf(last);
  if (head.tombstone) throw new StreamDeletedError(streamId);
  const { version } = head;
  // Lifecycle: positions below the first visible one (soft delete, truncateBefore, maxCount) are skipped,
  // and so are events older than maxAge.
  const metadata = await metadataOf(context, head);
  const firstVisible = firstVisiblePosition(version, metadata, head.liveFrom);
  const now = context.clock();
  let events: AsyncGenerator<RecordedEvent>;
  if (options?.direction === 'backwards') {
    const from = Math.min(options.from ?? version, version);
    if (from < firstVisible) return;
    events = backwards(context, subject, last, from, firstVisible);
  } else {
    const from = Math.max(options?.from ?? 1, firstVisible);
    if (from > version) return;
    events = forwards(context, subject, last, from);
  }
  let count = 0;
  for await (const event of events) {
    if (event.streamPosition < firstVisible || !withinMaxAge(metadata, event.recordedAt, now)) continue;
    yield event;
    if (++count >= limit) return;
  }
}
