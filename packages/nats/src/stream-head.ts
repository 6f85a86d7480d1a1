import { storedCommit, type CommitMessage } from './commit-events.js';
import { EMPTY_HEAD, type StreamHead } from './head-cache.js';
import type { StoreContext } from './store-context.js';

/** The stream's last commit, or undefined when the stream has no events. Refreshes the head cache. */
export async function lastCommit(context: StoreContext, streamId: string): Promise<CommitMessage | undefined> {
  const message = await context.io.getMessage(context.layout.eventsStream, { last_by_subj: context.layout.eventSubject(streamId) });
  if (!message) return undefined;
  const commit = storedCommit(message);
  context.heads.remember(streamId, { version: commit.header.version, sequence: commit.seq });
  return commit;
}

/** The stream's current head, asked of the stream leader. */
export async function lookupHead(context: StoreContext, streamId: string): Promise<StreamHead> {
  const commit = await lastCommit(context, streamId);
  return commit ? { version: commit.header.version, sequence: commit.seq } : EMPTY_HEAD;
}
