import {
  NotSupportedError,
  SubscriptionStarts,
  ValidationError,
  assertStreamId,
  type EventStore,
  type StoreInfo,
  type StreamLifecycle,
} from '@chronicle/core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { appendMultiToStreams, appendToStream } from './append.js';
import { connectToNats } from './connect.js';
import { createDurableFeed, type DurableFeed } from './durable-feed.js';
import { DUPLICATE_WINDOW_MS, ensureStreams } from './ensure-streams.js';
import { HeadCache } from './head-cache.js';
import { createJetStreamIo, RETRY_TIMEOUT_MS } from './jetstream-io.js';
import { listStreams } from './list-streams.js';
import { natsUrlFromEnv, type NatsStoreOptions } from './options.js';
import { headPosition, readAll } from './read-all.js';
import { readStream } from './read-stream.js';
import { assertOpen, type StoreContext } from './store-context.js';
import { headOf, lastCommit } from './stream-head.js';
import { liveVersion } from './head-cache.js';
import { createLifecycle } from './lifecycle.js';
import { subscribe } from './subscribe.js';
import { createLayout } from './subjects.js';
import { assertAtomicBatches, hasAtomicBatches } from './server-version.js';
import { openKv } from './projections/kv.js';
import { createNatsProjectionHost, type NatsProjectionHost } from './projections/nats-projection-host.js';

/** Room left in a message for headers (and the header fields a commit body carries in front of its events). */
const HEADER_BYTES = 16 * 1024;
/** Room left per event for its id, type and JSON envelope. */
const ENVELOPE_BYTES = 8 * 1024;

/** The event store on NATS JetStream, plus what only JetStream offers. */
export type NatsEventStore = EventStore & StreamLifecycle & {
  /**
   * Projections, reactors, the outbox and request outcomes, in a JetStream KV
   * bucket (see `createNatsProjectionHost`); absent on servers before 2.12.
   */
  readonly projections?: NatsProjectionHost;
  /** A named, resumable feed of the global log with a durable checkpoint in JetStream. */
  feed(name: string): DurableFeed;
  /** Version of the server the store is connected to, e.g. `2.10.27`. */
  readonly serverVersion: string;
  /** Replicas of the events stream: as created, or as found when it existed (`replicas` applies only to creation). */
  readonly replicas: number;
};

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const resolved = value ?? fallback;
  if (!Number.isSafeInteger(resolved) || resolved < 1) throw ValidationError.of(name, 'must be an integer >= 1');
  return resolved;
}

/**
 * Opens an event store on NATS JetStream: one JetStream stream for the events
 * (one message per append, subject `<prefix>.e.<stream id>`), one for
 * claims, chunks and checkpoints. Creates both if missing, with the given
 * replication and storage. `appendMulti` writes its streams in one atomic
 * batch on nats-server 2.12+; on older servers it throws `NOT_SUPPORTED`
 * (`info.multiStreamAppend` is false).
 *
 * @example
 * const store = await createNatsStore({ servers: 'nats://127.0.0.1:4222', replicas: 3 });
 */
export async function createNatsStore(options: NatsStoreOptions = {}): Promise<NatsEventStore> {
  const layout = createLayout(options.stream ?? 'CHRONICLE', options.subjectPrefix ?? 'chronicle');
  const requestTimeoutMs = positiveInteger(options.requestTimeoutMs, 2_000, 'requestTimeoutMs');
  const retryForMs = positiveInteger(options.retryForMs, 15_000, 'retryForMs');
  if (retryForMs > DUPLICATE_WINDOW_MS / 2) throw ValidationError.of('retryForMs', `must be at most ${DUPLICATE_WINDOW_MS / 2} (half the deduplication window)`);
  const replicas = positiveInteger(options.replicas, 1, 'replicas');
  if (options.projections !== undefined && options.projections.length > 0) {
    throw new NotSupportedError(
      'inline projections',
      'nats',
      'no transaction spans the events and a KV bucket; ' +
        'run them asynchronously with createProjectionRunner on store.projections',
    );
  }
  const ownsConnection = options.connection === undefined;
  const nc: NatsConnection = options.connection ?? (await connectToNats(options.servers ?? natsUrlFromEnv(), requestTimeoutMs));
  try {
    const jsm = await jetstreamManager(nc, { timeout: requestTimeoutMs });
    const js = jetstream(nc, { timeout: requestTimeoutMs });
    const closing = new AbortController();
    const storeName = 'nats';
    const serverVersion = nc.info?.version ?? '0.0.0';
    if (options.requireAtomicBatches) assertAtomicBatches(serverVersion, 'multi-stream appends and projections');
    const settings = { replicas, storage: options.storage ?? 'file', create: options.createStreams ?? true, serverVersion } as const;
    const streamReplicas = await ensureStreams(jsm, layout, settings, {
      deadline: Date.now() + retryForMs,
      closed: closing.signal,
      storeName,
    });
    const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
    const largest = maxPayload - HEADER_BYTES - ENVELOPE_BYTES;
    const maxEventBytes = positiveInteger(options.maxEventBytes, largest, 'maxEventBytes');
    if (maxEventBytes > largest) throw ValidationError.of('maxEventBytes', `must be at most ${largest} (server max_payload ${maxPayload} minus envelope)`);
    const jsmRetry = await jetstreamManager(nc, { timeout: Math.min(requestTimeoutMs, RETRY_TIMEOUT_MS) });
    const io = createJetStreamIo({ nc, js, jsm, jsmRetry, requestTimeoutMs, retryForMs, closed: closing.signal, storeName });
    const context: StoreContext = {
      storeName,
      layout,
      serverVersion,
      nc,
      js,
      jsm,
      io,
      heads: new HeadCache(),
      closed: closing.signal,
      clock: options.clock ?? (() => new Date()),
      maxBodyBytes: maxPayload - HEADER_BYTES,
      maxEventBytes,
      claimAllEventIds: options.eventIdIndex === 'all',
      retryForMs,
      starts: new SubscriptionStarts(),
      recordRequests: hasAtomicBatches(serverVersion),
    };
    const atomic = hasAtomicBatches(serverVersion);
    const info: StoreInfo = { name: storeName, multiStreamAppend: atomic, maxEventBytes };
    const storage = options.storage ?? 'file';
    const projections = atomic
      ? createNatsProjectionHost(context, await openKv(context, `${layout.eventsStream}_HOST`, { replicas, storage }))
      : undefined;
    return {
      ...(projections ? { projections } : {}),
      info,
      serverVersion,
      replicas: streamReplicas,
      append: (streamId, events, expected) => appendToStream(context, streamId, events, expected),
      appendMulti: (appends) => appendMultiToStreams(context, appends),
      readStream: (streamId, readOptions) => readStream(context, streamId, readOptions),
      readAll: (readOptions) => readAll(context, readOptions),
      subscribe: (subscribeOptions) => subscribe(context, subscribeOptions),
      async getStreamInfo(streamId) {
        assertOpen(context);
        assertStreamId(streamId);
        const last = await lastCommit(context, streamId);
        const head = last && headOf(last);
        return head && !head.tombstone && liveVersion(head) > 0 ? { streamId, version: head.version } : undefined;
      },
      listStreams: (listOptions) => listStreams(context, listOptions),
      headPosition: () => headPosition(context),
      feed: (name) => createDurableFeed(context, name),
      ...createLifecycle(context),
      async close() {
        if (closing.signal.aborted) return;
        closing.abort();
        if (ownsConnection) await nc.close();
      },
    };
  } catch (error) {
    if (ownsConnection) await nc.close();
    throw error;
  }
}
