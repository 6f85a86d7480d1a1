import type { NatsConnection } from '@nats-io/transport-node';

/** Default server when neither `servers` nor `connection` is given: `CHRONICLE_NATS_URL` or the local server. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** The URL tests, examples and the CLI use: `CHRONICLE_NATS_URL`, else {@link DEFAULT_NATS_URL}. */
export function natsUrlFromEnv(): string {
  return process.env.CHRONICLE_NATS_URL || DEFAULT_NATS_URL;
}

/** Options of {@link createNatsStore}. */
export type NatsStoreOptions = {
  /** Server URL(s) to connect to; the store owns that connection and closes it. Defaults to {@link natsUrlFromEnv}. */
  readonly servers?: string | readonly string[];
  /** An open connection to use instead; the store leaves it open on `close()`. */
  readonly connection?: NatsConnection;
  /** JetStream stream holding the events (default `CHRONICLE`); `<stream>_AUX` holds claims, chunks and checkpoints. */
  readonly stream?: string;
  /** Subject prefix (default `chronicle`): events go to `<prefix>.e.<stream id>`. */
  readonly subjectPrefix?: string;
  /** Replicas of both JetStream streams when the store creates them (default 1; use 3 on a cluster). */
  readonly replicas?: number;
  /** Storage of both JetStream streams when the store creates them (default `file`). */
  readonly storage?: 'file' | 'memory';
  /** Create missing JetStream streams (default true). Existing streams are used as they are. */
  readonly createStreams?: boolean;
  /**
   * Refuse to open, with `NOT_SUPPORTED` and before creating anything, on a server without atomic batch
   * publish (before 2.12), for applications that need multi-stream appends or `projections`. Default false:
   * such a store opens, and refuses those operations when they are called.
   */
  readonly requireAtomicBatches?: boolean;
  /** Largest accepted event; at most (and by default) the server's `max_payload` minus 24 KiB of envelope. */
  readonly maxEventBytes?: number;
  /** Timeout of one JetStream request (default 2000 ms). */
  readonly requestTimeoutMs?: number;
  /**
   * How long an operation keeps retrying transient failures (timeouts, no
   * leader, reconnecting) before it throws `STORE_UNAVAILABLE` (default 15000 ms).
   * Appends are retried with the same `Nats-Msg-Id`, so a retry never stores twice.
   */
  readonly retryForMs?: number;
  /**
   * Which event ids get a durable uniqueness claim (default `'supplied'`):
   * ids the caller supplied, or `'all'` (also generated ones: one more message per event).
   */
  readonly eventIdIndex?: 'supplied' | 'all';
  /**
   * Inline projections cannot exist on NATS (no transaction spans the events
   * and a KV bucket): given any, the store refuses to open with `NOT_SUPPORTED`.
   * Run them with `createProjectionRunner` on `store.projections` instead.
   */
  readonly projections?: readonly unknown[];
  /** Source of `recordedAt` (default `() => new Date()`); inject a fake clock in tests. */
  readonly clock?: () => Date;
};
