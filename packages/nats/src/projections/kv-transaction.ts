import { randomUUID } from 'node:crypto';
import {
  NotSupportedError,
  REQUEST_COLLECTION,
  ValidationError,
  type DocumentEntry,
  type Documents,
  type FindOptions,
  type OutboxMessage,
  type ProjectionTx,
  type RequestOutcome,
} from '@chronicle/core';
import { isWrongLastSequence } from '../jetstream-errors.js';
import { MAX_BATCH_MESSAGES } from '../jetstream-io.js';
import { recordRequestOutcome, requestOutcome } from '../request-records.js';
import type { StoreContext } from '../store-context.js';
import { keys, lastToken } from './kv-keys.js';
import type { Kv, KvEntry, KvWrite } from './kv.js';

/** Checkpoint as stored in the bucket. */
export type StoredCheckpoint = { readonly position: number; readonly updatedAt: number };

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function serialize(document: unknown, what: string): string {
  const json = JSON.stringify(document);
  if (json === undefined) throw ValidationError.of(what, 'document is not JSON-serializable');
  return json;
}

const parse = <T>(json: string | undefined): T | undefined =>
  json === undefined ? undefined : (JSON.parse(json) as T);

/** Lists a collection: ids in byte order with a literal prefix and paging, from its live keys plus `pending` changes. */
export async function findIds(
  kv: Kv,
  collection: string,
  options: FindOptions = {},
  pending?: { readonly dropped: boolean; readonly writes: ReadonlyMap<string, string | null> },
): Promise<string[]> {
  const ids = new Set(
    pending?.dropped ? [] : (await kv.keys(keys.collection(collection))).map((k) => lastToken(k.key)),
  );
  for (const [id, value] of pending?.writes ?? []) {
    if (value === null) ids.delete(id);
    else ids.add(id);
  }
  const prefix = options.prefix ?? '';
  const sorted = [...ids]
    .filter((id) => id.startsWith(prefix) && (options.after === undefined || byteOrder(id, options.after) > 0))
    .sort(byteOrder);
  return options.limit === undefined ? sorted : sorted.slice(0, options.limit);
}

/** Reads a collection's page of documents through `read`. */
export async function findDocuments<T>(
  ids: readonly string[],
  read: (id: string) => Promise<string | undefined>,
): Promise<DocumentEntry<T>[]> {
  const values = await Promise.all(ids.map(read));
  return ids.flatMap((id, i) => (values[i] === undefined ? [] : [{ id, document: JSON.parse(values[i]!) as T }]));
}

/**
 * One transaction of the NATS projection host: reads go to the bucket (and
 * are remembered with their revisions), writes are buffered, and `commit`
 * stores them in one atomic batch in which every key that was read is written
 * only if still at the revision read (optimistic concurrency). A failed check
 * is a conflict: the host runs the work again on fresh data.
 */
export class KvTransaction {
  readonly #reads = new Map<string, KvEntry>();
  readonly #writes = new Map<string, string | null>();
  readonly #dropped = new Set<string>();
  readonly #outbox: OutboxMessage[] = [];
  #request: { readonly id: string; readonly outcome: RequestOutcome } | undefined;

  constructor(
    private readonly kv: Kv,
    private readonly context: StoreContext,
    private readonly clock: () => Date,
  ) {}

  async #read(key: string): Promise<string | undefined> {
    if (this.#writes.has(key)) return this.#writes.get(key) ?? undefined;
    let entry = this.#reads.get(key);
    if (!entry) this.#reads.set(key, (entry = await this.kv.get(key)));
    return entry.value;
  }

  #collectionWrites(collection: string): Map<string, string | null> {
    const prefix = keys.document(collection, '').slice(0, -1);
    const writes = new Map<string, string | null>();
    for (const [key, value] of this.#writes)
      if (key.startsWith(prefix) && key.indexOf('.', prefix.length) < 0) writes.set(lastToken(key), value);
    return writes;
  }

  #write(collection: string, id: string, value: string | null): void {
    if (collection === REQUEST_COLLECTION)
      throw new NotSupportedError(`writing ${REQUEST_COLLECTION} but through documents.create`, 'nats');
    if (this.#dropped.has(collection)) {
      throw new NotSupportedError(
        'writing a collection dropped in the same transaction',
        'nats',
        'its keys are purged after the commit',
      );
    }
    this.#writes.set(keys.document(collection, id), value);
  }

  /** The transaction as projection handlers see it. */
  view(): ProjectionTx<Kv> {
    const documents: Documents = {
      get: async (collection, id) => {
        if (collection === REQUEST_COLLECTION) return (await requestOutcome(this.context, id)) as never;
        return this.#dropped.has(collection) ? undefined : parse(await this.#read(keys.document(collection, id)));
      },
      getMany: async <T>(collection: string, ids: readonly string[]) => {
        const found = new Map<string, T>();
        const values = await Promise.all(ids.map((id) => documents.get<T>(collection, id)));
        ids.forEach((id, i) => values[i] !== undefined && found.set(id, values[i]!));
        return found;
      },
      put: async (collection, id, document) => this.#write(collection, id, serialize(document, `${collection}/${id}`)),
      create: async (collection, id, document) => {
        if (collection === REQUEST_COLLECTION) {
          if (this.#request)
            throw new NotSupportedError(`two ${REQUEST_COLLECTION} records in one transaction`, 'nats');
          if (await requestOutcome(this.context, id)) return false;
          this.#request = { id, outcome: document as RequestOutcome };
          return true;
        }
        if ((await documents.get(collection, id)) !== undefined) return false;
        this.#write(collection, id, serialize(document, `${collection}/${id}`));
        return true;
      },
      putMany: async (collection, entries) => {
        for (const [id, document] of entries) this.#write(collection, id, serialize(document, `${collection}/${id}`));
      },
      delete: async (collection, id) => this.#write(collection, id, null),
      deleteMany: async (collection, ids) => {
        for (const id of ids) this.#write(collection, id, null);
      },
      find: async <T>(collection: string, options?: FindOptions) => {
        const pending = { dropped: this.#dropped.has(collection), writes: this.#collectionWrites(collection) };
        const ids = await findIds(this.kv, collection, options, pending);
        return findDocuments<T>(ids, (id) => this.#read(keys.document(collection, id)));
      },
      count: async (collection) => {
        const pending = { dropped: this.#dropped.has(collection), writes: this.#collectionWrites(collection) };
        return (await findIds(this.kv, collection, {}, pending)).length;
      },
      dropCollection: async (collection) => {
        for (const id of this.#collectionWrites(collection).keys()) this.#writes.delete(keys.document(collection, id));
        this.#dropped.add(collection);
      },
    };
    return {
      documents,
      native: this.kv,
      checkpoints: {
        get: async (name) => parse<StoredCheckpoint>(await this.#read(keys.checkpoint(name)))?.position,
        advance: async (name, from, to) => {
          const key = keys.checkpoint(name);
          const stored = parse<StoredCheckpoint>(await this.#read(key))?.position;
          if (stored !== from) return false;
          this.#writes.set(
            key,
            JSON.stringify({ position: to, updatedAt: this.clock().getTime() } satisfies StoredCheckpoint),
          );
          return true;
        },
      },
      outbox: {
        add: async (messages) => {
          for (const message of messages) {
            serialize(message.data, `outbox/${message.type}`);
            this.#outbox.push(message);
          }
        },
      },
    };
  }

  /**
   * Stores the transaction's writes. Resolves false when a key it read changed
   * meanwhile (nothing was written); throws on other failures.
   */
  async commit(): Promise<boolean> {
    if (this.#request) {
      if (this.#writes.size > 0 || this.#outbox.length > 0) {
        throw new NotSupportedError(
          `a ${REQUEST_COLLECTION} record with other writes in one transaction`,
          'nats',
          'request records live beside the events',
        );
      }
      return recordRequestOutcome(this.context, this.#request.id, this.#request.outcome);
    }
    const writes: KvWrite[] = [...this.#writes].map(([key, value]) => {
      const read = this.#reads.get(key);
      return read ? { key, value, expect: read.revision } : { key, value };
    });
    const outbox: KvWrite[] = this.#outbox.map((message) => ({
      key: keys.outbox(message.topic, randomUUID()),
      value: JSON.stringify({
        type: message.type,
        data: message.data,
        ...(message.key === undefined ? {} : { key: message.key }),
        ...(message.sourceEventId === undefined ? {} : { sourceEventId: message.sourceEventId }),
      }),
    }));
    const all = [...writes, ...outbox];
    if (all.length > MAX_BATCH_MESSAGES) {
      throw ValidationError.of(
        'transaction',
        `writes ${all.length} keys; one atomic batch holds at most ${MAX_BATCH_MESSAGES} on NATS`,
      );
    }
    if (all.length > 0) {
      let revisions: number[];
      try {
        revisions = await this.kv.commit(all, [], randomUUID());
      } catch (error) {
        if (isWrongLastSequence(error)) return false;
        throw error;
      }
      // Delete markers and dropped collections are removed afterwards (a crash before leaves markers, which read as absent).
      await Promise.all(
        all.flatMap((write, i) => (write.value === null ? [this.kv.forget(write.key, revisions[i]!)] : [])),
      ).catch(() => undefined);
    }
    for (const collection of this.#dropped) await this.kv.purge(keys.collection(collection));
    return true;
  }
}
