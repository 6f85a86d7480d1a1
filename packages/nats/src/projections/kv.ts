import { DeliverPolicy, JetStreamApiCodes, JetStreamApiError, StorageType, type StoredMsg } from '@nats-io/jetstream';
import { headers as newHeaders, nanos, type MsgHdrs } from '@nats-io/transport-node';
import { DUPLICATE_WINDOW_MS } from '../ensure-streams.js';
import type { BatchMessage } from '../jetstream-io.js';
import { retrying } from '../jetstream-errors.js';
import type { StoreContext } from '../store-context.js';

/** A key as stored: its revision (the stream sequence of its last message, 0 when it never existed) and value. */
export type KvEntry = {
  readonly key: string;
  readonly revision: number;
  /** The JSON text, undefined when the key is absent or deleted. */
  readonly value: string | undefined;
  /** When the revision was stored (server time); undefined for a key never written. */
  readonly storedAt: Date | undefined;
};

/** One write of a commit: a value, or `null` to delete; `expect` is the revision it replaces (0: none). */
export type KvWrite = { readonly key: string; readonly value: string | null; readonly expect?: number };

/** How the bucket is created when missing. */
export type KvSettings = { readonly replicas: number; readonly storage: 'file' | 'memory' };

const OPERATION = 'KV-Operation';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const deleted = (h: MsgHdrs | undefined): boolean => {
  const operation = h?.get(OPERATION);
  return operation === 'DEL' || operation === 'PURGE';
};

/**
 * The projection host's storage: a JetStream KV bucket (`KV_<bucket>`, keys
 * `$KV.<bucket>.<key>`, one revision per key), read from the stream leader so
 * that every read sees every acknowledged write, and written with
 * compare-and-set (`Nats-Expected-Last-Subject-Sequence` per key), several keys
 * at once in one atomic batch. Deletes are KV delete markers, purged after commit.
 */
export type Kv = {
  readonly bucket: string;
  readonly stream: string;
  subject(key: string): string;
  get(key: string): Promise<KvEntry>;
  /** Live keys matching a key filter (`d.orders.>`), with their revisions; one pass over the bucket's last messages. */
  keys(filter: string): Promise<{ readonly key: string; readonly revision: number }[]>;
  /**
   * Writes atomically, each write guarded by its expected revision when it has
   * one; `extra` messages go in the same batch. Resolves with each write's
   * revision. A failed guard rejects with JetStream's wrong-last-sequence error.
   */
  commit(writes: readonly KvWrite[], extra?: readonly BatchMessage[], msgId?: string): Promise<number[]>;
  /** Removes a deleted key's marker (and nothing written after it). */
  forget(key: string, revision: number): Promise<void>;
  /** Removes every key matching a filter. */
  purge(filter: string): Promise<void>;
  /** Messages of a key filter from stream sequence `from` on, in order, at most `limit`. */
  range(filter: string, from: number, limit: number): Promise<StoredMsg[]>;
};

/** Opens (creating when missing) the bucket; atomic batches are enabled on it. */
export async function openKv(context: StoreContext, bucket: string, settings: KvSettings): Promise<Kv> {
  const stream = `KV_${bucket}`;
  const prefix = `$KV.${bucket}.`;
  const policy = () => ({
    deadline: Date.now() + context.retryForMs,
    closed: context.closed,
    storeName: context.storeName,
  });
  await retrying(async () => {
    try {
      const info = await context.jsm.streams.info(stream);
      if (info.config.allow_atomic !== true) await context.jsm.streams.update(stream, { allow_atomic: true });
      return;
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    }
    await context.jsm.streams
      .add({
        name: stream,
        subjects: [`${prefix}>`],
        max_msgs_per_subject: 1,
        allow_rollup_hdrs: true,
        deny_delete: true,
        allow_direct: true,
        allow_atomic: true,
        num_replicas: settings.replicas,
        storage: settings.storage === 'memory' ? StorageType.Memory : StorageType.File,
        duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      })
      .catch((error: unknown) => {
        // Another instance created it first.
        if (!(error instanceof JetStreamApiError && error.code === 10058)) throw error;
      });
  }, policy());

  const subject = (key: string): string => prefix + key;
  const keyOf = (subjectName: string): string => subjectName.slice(prefix.length);

  async function keys(filter: string): Promise<{ key: string; revision: number }[]> {
    const subjects = await context.io.subjects(stream, subject(filter));
    if (Object.keys(subjects).length === 0) return [];
    return retrying(async () => {
      const consumer = await context.js.consumers.get(stream, {
        filter_subjects: subject(filter),
        deliver_policy: DeliverPolicy.LastPerSubject,
        headers_only: true,
      });
      try {
        const found: { key: string; revision: number }[] = [];
        for (;;) {
          let pending = -1;
          const batch = await consumer.fetch({ max_messages: 1_000, expires: 2_000 });
          for await (const message of batch) {
            if (!deleted(message.headers)) found.push({ key: keyOf(message.subject), revision: message.seq });
            pending = message.info.pending;
            if (pending === 0) break;
          }
          if (pending <= 0) return found;
        }
      } finally {
        await consumer.delete().catch(() => undefined);
      }
    }, policy());
  }

  return {
    bucket,
    stream,
    subject,
    async get(key) {
      const message = await context.io.getMessage(stream, { last_by_subj: subject(key) });
      if (!message) return { key, revision: 0, value: undefined, storedAt: undefined };
      const value = deleted(message.header) ? undefined : decoder.decode(message.data);
      return { key, revision: message.seq, value, storedAt: message.time };
    },
    keys,
    async commit(writes, extra = [], msgId) {
      const messages: BatchMessage[] = writes.map((write) => {
        const h = newHeaders();
        if (write.value === null) h.set(OPERATION, 'DEL');
        return {
          subject: subject(write.key),
          body: write.value === null ? new Uint8Array(0) : encoder.encode(write.value),
          headers: h,
          ...(write.expect === undefined ? {} : { expectLastSubjectSequence: write.expect }),
        };
      });
      const all = [...messages, ...extra];
      if (all.length === 1 && msgId !== undefined) {
        const only = all[0]!;
        const ack = await context.io.publish(only.subject, only.body, {
          msgId,
          ...(only.headers ? { headers: only.headers } : {}),
          ...(only.expectLastSubjectSequence === undefined
            ? {}
            : { expectLastSubjectSequence: only.expectLastSubjectSequence }),
        });
        return [ack.seq];
      }
      const ack = await context.io.publishBatch(all);
      return writes.map((_, i) => ack.seq - (all.length - 1 - i));
    },
    async forget(key, revision) {
      await context.io.purgeBelow(stream, subject(key), revision + 1);
    },
    async purge(filter) {
      await context.io.purgeSubject(stream, subject(filter));
    },
    async range(filter, from, limit) {
      const found: StoredMsg[] = [];
      for (let seq = from; found.length < limit;) {
        const message = await context.io.getMessage(stream, { seq, next_by_subj: subject(filter) });
        if (!message) break;
        found.push(message);
        seq = message.seq + 1;
      }
      return found;
    },
  };
}

/** The key a message of the bucket is stored under. */
export function keyOfSubject(kv: Kv, subjectName: string): string {
  return subjectName.slice(`$KV.${kv.bucket}.`.length);
}
