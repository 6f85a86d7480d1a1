import { storedCommit, type CommitMessage } from './commit-events.js';
import { EMPTY_HEAD, type StreamHead } from './head-cache.js';
import type { StoreContext } from './store-context.js';

/** The stream's last commit, or undefined when the stream has no events. Refreshes the head cache. */
export async function lastCommit(context: StoreContext, streamId: string): Promise<CommitMessage | undefined> {
  const message = await context.io.getMessage(context.layout.eventsStream, { last_by_subj: context.layout.eventSubject(streamId) });
  if (!message) return undefined;
  const commit = storedCommit(message);
  context.heads.remember(streamId, headOf(commit));
  return commit;
}

/** The head a commit makes. */
export function headOf(commit: CommitMessage): StreamHead {
  const { version, liveFrom, tombstone, kind, meta } = commit.header;
  return { version, sequence: commit.seq, liveFrom, tombstone, meta: kind === 'meta' ? commit.seq : meta };
}

/** The stream's current head, asked of the stream leader. */
export async function lookupHead(context: StoreContext, streamId: string): Promise<StreamHead> {
  const commit = await lastCommit(context, streamId);
  return commit ? headOf(commit) : EMPTY_HEAD;
}
