import type { RecordedEvent } from '../events/event.js';
import type { EventStore } from '../store/event-store.js';
import type { ArchivableStore } from '../store/archivable.js';
import type { ProjectionHost } from '../projections/host.js';
import { SNAPSHOT_COLLECTION, type Snapshot } from '../snapshots/aggregate-loader.js';
import type { ColdStore } from './cold-store.js';

/** Which events leave the hot store. An event matching any given rule is archived. */
export type ArchivePolicy = {
  /** Events recorded longer ago than this. */
  readonly olderThanMs?: number;
  /** Events at or behind the newest snapshot of their stream (real-time loads never need them). */
  readonly behindSnapshot?: boolean;
};

/** Progress and outcome of an archive run. */
export type ArchiveReport = {
  readonly scanned: number;
  readonly archived: number;
  readonly segments: number;
  readonly hotBytesBefore: number;
  readonly hotBytesAfter: number;
};

/** Options of {@link archive}. */
export type ArchiveOptions = {
  readonly hot: EventStore & ArchivableStore & { readonly projections?: Pick<ProjectionHost<unknown>, 'documents'> };
  readonly cold: ColdStore;
  readonly policy: ArchivePolicy;
  /** Events per segment (default 10,000). */
  readonly batchSize?: number;
  readonly now?: Date;
  readonly onProgress?: (progress: { readonly scanned: number; readonly archived: number }) => void;
};

async function snapshotVersions(host: Pick<ProjectionHost<unknown>, 'documents'> | undefined): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  if (!host) return versions;
  for (const entry of await host.documents.find<Snapshot<unknown>>(SNAPSHOT_COLLECTION)) {
    // Snapshot ids are `<name>/<streamId>`.
    const streamId = entry.id.slice(entry.id.indexOf('/') + 1);
    versions.set(streamId, Math.max(versions.get(streamId) ?? 0, entry.document.version));
  }
  return versions;
}

/**
 * Moves events matching the policy from the hot store to the cold store, in
 * batches: each batch is written to a durable segment first, then purged from
 * the hot store, so a crash at any point loses nothing (an event may briefly
 * exist in both tiers; readers de-duplicate, and a rerun skips what the cold
 * store already holds). Finally the hot store gives the freed space back.
 */
export async function archive(options: ArchiveOptions): Promise<ArchiveReport> {
  const { hot, cold, policy } = options;
  if (policy.olderThanMs === undefined && !policy.behindSnapshot) throw new Error('archive policy needs olderThanMs and/or behindSnapshot');
  const batchSize = options.batchSize ?? 10_000;
  const cutoff = policy.olderThanMs === undefined ? undefined : (options.now ?? new Date()).getTime() - policy.olderThanMs;
  const snapshots = policy.behindSnapshot ? await snapshotVersions(hot.projections) : new Map<string, number>();
  const qualifies = (event: RecordedEvent): boolean =>
    (cutoff !== undefined && event.recordedAt.getTime() < cutoff) || (snapshots.get(event.streamId) ?? 0) >= event.streamPosition;

  let scanned = 0;
  let archived = 0;
  let segments = 0;
  let batch: RecordedEvent[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const already = await cold.archived(batch.map((e) => e.globalPosition));
    const fresh = batch.filter((e) => !already.has(e.globalPosition));
    if (fresh.length > 0) {
      await cold.write(fresh);
      segments++;
    }
    await hot.purgeEvents(batch.map((e) => e.globalPosition));
    archived += batch.length;
    batch = [];
    options.onProgress?.({ scanned, archived });
  };
  // Page by position: purging behind the cursor never disturbs the next page.
  let after = 0;
  for (;;) {
    const page: RecordedEvent[] = [];
    for await (const event of hot.readAllStored({ after, limit: batchSize })) page.push(event);
    if (page.length === 0) break;
    after = page[page.length - 1]!.globalPosition;
    for (const event of page) {
      scanned++;
      if (qualifies(event)) batch.push(event);
      if (batch.length >= batchSize) await flush();
    }
    options.onProgress?.({ scanned, archived });
  }
  await flush();
  const space = await hot.reclaimSpace();
  return { scanned, archived, segments, hotBytesBefore: space.beforeBytes, hotBytesAfter: space.afterBytes };
}
