import { JetStreamApiCodes, JetStreamApiError, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { retrying, type RetryPolicy } from './jetstream-errors.js';
import { assertReplicationSupported, hasAtomicBatches } from './server-version.js';
import type { Layout } from './subjects.js';

/** Deduplication window of both streams; appends retry with the same `Nats-Msg-Id` well inside it. */
export const DUPLICATE_WINDOW_MS = 120_000;

const STREAM_NAME_IN_USE = 10058;

/** How the store's JetStream streams are created when missing. */
export type StreamSettings = {
  readonly replicas: number;
  readonly storage: 'file' | 'memory';
  readonly create: boolean;
  /** The server has atomic batch publish (2.12+): the events stream allows it. */
  readonly atomic: boolean;
};

type NamedConfig = Partial<StreamConfig> & { readonly name: string; readonly subjects: string[] };

function configs(layout: Layout, settings: StreamSettings): NamedConfig[] {
  const common = {
    storage: settings.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: settings.replicas,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  };
  return [
    // The event log is append-only: the server refuses message deletes and purges. Commits of several streams, and
    // lifecycle records with their commits, go in atomic batches.
    {
      ...common,
      name: layout.eventsStream,
      subjects: [layout.allEvents, layout.allLifecycle, layout.allRequests],
      deny_delete: true,
      deny_purge: true,
      ...(settings.atomic ? { allow_atomic: true } : {}),
    },
    { ...common, name: layout.auxStream, subjects: [layout.allAux], max_msgs_per_subject: 1 },
  ];
}

/**
 * Ensures one stream; returns its replica count. A stream made by an earlier
 * version of the store gets what this one adds (the lifecycle subject, atomic
 * batches) by a config update.
 */
async function ensure(jsm: JetStreamManager, config: NamedConfig, create: boolean): Promise<number> {
  try {
    const info = await jsm.streams.info(config.name);
    const subject = config.subjects[0]!;
    const has = info.config.subjects ?? [];
    if (!has.includes(subject)) {
      const found = has.join(', ');
      throw new Error(`JetStream stream ${config.name} exists but does not capture ${subject} (it has ${found})`);
    }
    const missing = config.subjects.filter((s) => !has.includes(s));
    const atomic = config.allow_atomic === true && info.config.allow_atomic !== true;
    if (missing.length > 0 || atomic) {
      const subjects = [...has, ...missing];
      await jsm.streams.update(config.name, { subjects, ...(atomic ? { allow_atomic: true } : {}) });
    }
    return info.config.num_replicas;
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
  }
  if (!create) throw new Error(`JetStream stream ${config.name} does not exist (createStreams is false)`);
  try {
    await jsm.streams.add(config);
  } catch (error) {
    // Another store instance created it first.
    if (!(error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE)) throw error;
  }
  return config.num_replicas ?? 1;
}

/**
 * Makes sure the events and aux streams exist, creating them if allowed;
 * retries through leader elections. Refuses replicated streams on servers
 * before 2.10, whether asked for or already there. On 2.12+ the events stream
 * allows atomic batches. Returns the events stream's replica count (as found when it exists).
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  layout: Layout,
  settings: Omit<StreamSettings, 'atomic'> & { readonly serverVersion: string },
  retry: RetryPolicy,
): Promise<number> {
  assertReplicationSupported(settings.serverVersion, settings.replicas, layout.eventsStream);
  let events = settings.replicas;
  for (const config of configs(layout, { ...settings, atomic: hasAtomicBatches(settings.serverVersion) })) {
    const replicas = await retrying(() => ensure(jsm, config, settings.create), retry);
    assertReplicationSupported(settings.serverVersion, replicas, config.name);
    if (config.name === layout.eventsStream) events = replicas;
  }
  return events;
}
