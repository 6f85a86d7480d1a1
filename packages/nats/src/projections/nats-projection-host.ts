import { randomUUID } from 'node:crypto';
import {
  REQUEST_COLLECTION,
  StoreUnavailableError,
  sleep,
  type Checkpoint,
  type Documents,
  type Leases,
  type ParkedEvent,
  type ParkedEvents,
  type ProjectionHost,
  type StoredOutboxMessage,
} from '@chronicle/core';
import { isWrongLastSequence } from '../jetstream-errors.js';
import { requestOutcome } from '../request-records.js';
import type { StoreContext } from '../store-context.js';
import { keys, lastToken } from './kv-keys.js';
import { findDocuments, findIds, KvTransaction, serialize, type StoredCheckpoint } from './kv-transaction.js';
import type { Kv } from './kv.js';

/** The NATS store's projection host: `tx.native` is the KV bucket (`Kv`), for hand-written reads and writes. */
export type NatsProjectionHost = ProjectionHost<Kv>;

/** Attempts of one transaction before a lasting conflict is reported. */
const MAX_ATTEMPTS = 20;

type StoredLease = { readonly owner: string; readonly ttlMs: number };
type StoredParked = Omit<ParkedEvent, 'parkedAt'> & { readonly parkedAt: number };
type StoredOutbox = {
  readonly type: string;
  readonly data: unknown;
  readonly key?: string;
  readonly sourceEventId?: string;
};

const readOnly = (): never => {
  throw new Error('documents are read-only outside a transaction');
};

/**
 * Projections, reactors and the outbox on NATS (nats-server 2.12+), kept in a
 * JetStream KV bucket beside the events (`KV_<stream>_HOST`): documents
 * (`d.<collection>.<id>`), checkpoints (`cp.<name>`), leases (`lease.<name>`),
 * parked events (`park.<consumer>.<event id>`) and outbox messages
 * (`ob.<topic>.<id>`: public events, stored in JetStream for other services to
 * consume, in order, with any JetStream consumer or the outbox relay).
 *
 * A transaction is optimistic: reads go to the stream leader and remember each
 * key's revision; the writes are stored at commit in ONE atomic batch in which
 * every key that was read must still be at that revision. When one moved (a
 * racing transaction, another runner advancing a checkpoint), nothing is
 * written and the work runs again on fresh data, so `work` may run more than
 * once: keep side effects out of it (the runners do). A checkpoint advanced in
 * a transaction fences like a SQL row: of two runners exactly one commits.
 *
 * Limits: there are no inline projections (the events and the bucket are
 * different JetStream streams, so no transaction spans both; the request index
 * is written by the append itself instead, see `request-records.ts`), one
 * transaction writes at most 1,000 keys, `find` and `count` read the
 * collection's keys (one pass over the bucket's last messages for them), and
 * `dropCollection` purges after the commit.
 */
export function createNatsProjectionHost(context: StoreContext, kv: Kv): NatsProjectionHost {
  const clock = context.clock;
  /** When this process first saw each foreign lease revision (its own monotonic clock: no skew). */
  const observed = new Map<string, { readonly revision: number; readonly since: number }>();

  async function transaction<T>(work: (tx: ReturnType<KvTransaction['view']>) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const tx = new KvTransaction(kv, context, clock);
      const result = await work(tx.view());
      if (await tx.commit()) return result;
      if (attempt >= MAX_ATTEMPTS)
        throw new StoreUnavailableError(`projection host: a transaction lost ${attempt} races in a row`, false);
      await sleep(Math.min(100, 2 ** attempt) * Math.random());
    }
  }

  /** Writes one key outside a transaction (no read, no guard). */
  const put = async (key: string, value: string | null): Promise<void> => {
    const [revision] = await kv.commit([{ key, value }], [], randomUUID());
    if (value === null) await kv.forget(key, revision!).catch(() => undefined);
  };

  const readDocument = async (key: string): Promise<string | undefined> => (await kv.get(key)).value;

  const documents: Documents = {
    async get<T>(collection: string, id: string) {
      if (collection === REQUEST_COLLECTION) return (await requestOutcome(context, id)) as T | undefined;
      const value = await readDocument(keys.document(collection, id));
      return value === undefined ? undefined : (JSON.parse(value) as T);
    },
    async getMany<T>(collection: string, ids: readonly string[]) {
      const found = new Map<string, T>();
      const values = await Promise.all(ids.map((id) => documents.get<T>(collection, id)));
      ids.forEach((id, i) => values[i] !== undefined && found.set(id, values[i]!));
      return found;
    },
    put: readOnly,
    create: readOnly,
    putMany: readOnly,
    delete: readOnly,
    deleteMany: readOnly,
    dropCollection: readOnly,
    async find(collection, options) {
      const ids = await findIds(kv, collection, options);
      return findDocuments(ids, (id) => readDocument(keys.document(collection, id)));
    },
    async count(collection) {
      return (await findIds(kv, collection)).length;
    },
  };

  const leases: Leases = {
    async acquire(name, owner, ttlMs) {
      const key = keys.lease(name);
      const entry = await kv.get(key);
      if (entry.value !== undefined) {
        const lease = JSON.parse(entry.value) as StoredLease;
        if (lease.owner !== owner) {
          // Expired once the holder has not renewed it for its TTL: by the server's timestamp, or by this
          // process's own clock since it first saw this revision (whichever says so first: a clock behind
          // the server's cannot keep a dead holder's lease alive).
          const now = Date.now();
          const seen = observed.get(name);
          if (!seen || seen.revision !== entry.revision) observed.set(name, { revision: entry.revision, since: now });
          const watched = now - observed.get(name)!.since;
          const stored = now - (entry.storedAt?.getTime() ?? now);
          if (watched < lease.ttlMs && stored < lease.ttlMs) return false;
        }
      }
      try {
        await kv.commit([
          { key, value: JSON.stringify({ owner, ttlMs } satisfies StoredLease), expect: entry.revision },
        ]);
        observed.delete(name);
        return true;
      } catch (error) {
        if (isWrongLastSequence(error)) return false;
        throw error;
      }
    },
    async release(name, owner) {
      const key = keys.lease(name);
      const entry = await kv.get(key);
      if (entry.value === undefined || (JSON.parse(entry.value) as StoredLease).owner !== owner) return;
      try {
        const [revision] = await kv.commit([{ key, value: null, expect: entry.revision }]);
        await kv.forget(key, revision!).catch(() => undefined);
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
      }
    },
  };

  const parked: ParkedEvents = {
    async park(consumer, event, error, attempts) {
      const stored: StoredParked = {
        consumer,
        eventId: event.eventId,
        globalPosition: event.globalPosition,
        streamId: event.streamId,
        type: event.type,
        error,
        attempts,
        parkedAt: clock().getTime(),
      };
      await put(keys.parked(consumer, event.eventId), serialize(stored, 'parked event'));
    },
    async list(consumer) {
      const found = await Promise.all((await kv.keys(keys.parkedOf(consumer))).map((k) => kv.get(k.key)));
      return found
        .flatMap((entry) => (entry.value === undefined ? [] : [JSON.parse(entry.value) as StoredParked]))
        .map((p) => ({ ...p, parkedAt: new Date(p.parkedAt) }))
        .sort((a, b) => a.globalPosition - b.globalPosition);
    },
    async remove(consumer, eventId) {
      const key = keys.parked(consumer, eventId);
      if ((await kv.get(key)).value === undefined) return false;
      await put(key, null);
      return true;
    },
  };

  return {
    transaction,
    documents,
    leases,
    parked,
    async listCheckpoints() {
      const found = await Promise.all((await kv.keys(keys.allCheckpoints)).map((k) => kv.get(k.key)));
      const checkpoints: Checkpoint[] = found.flatMap((entry) => {
        if (entry.value === undefined) return [];
        const stored = JSON.parse(entry.value) as StoredCheckpoint;
        return [{ name: lastToken(entry.key), position: stored.position, updatedAt: new Date(stored.updatedAt) }];
      });
      return checkpoints.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    },
    async deleteCheckpoint(name) {
      await put(keys.checkpoint(name), null);
    },
    async readOutbox(after, limit) {
      const messages = await kv.range(keys.allOutbox, after + 1, limit);
      return messages.map((message): StoredOutboxMessage => {
        const stored = JSON.parse(new TextDecoder().decode(message.data)) as StoredOutbox;
        const topic = message.subject.split('.').at(-2)!;
        return {
          topic: lastToken(`x.${topic}`),
          type: stored.type,
          data: stored.data,
          ...(stored.key === undefined ? {} : { key: stored.key }),
          ...(stored.sourceEventId === undefined ? {} : { sourceEventId: stored.sourceEventId }),
          position: message.seq,
          createdAt: message.time,
        };
      });
    },
  };
}
