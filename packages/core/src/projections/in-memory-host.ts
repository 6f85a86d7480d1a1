import type { RecordedEvent } from '../events/event.js';
import { ValidationError } from '../errors/errors.js';
import type { DocumentEntry, Documents, FindOptions } from './documents.js';
import type { Checkpoint, Leases, OutboxMessage, ParkedEvent, ParkedEvents, ProjectionHost, ProjectionTx, StoredOutboxMessage } from './host.js';
import { Mutex } from './mutex.js';

type Collections = Map<string, Map<string, string>>;

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function serialize(document: unknown, collection: string, id: string): string {
  const json = JSON.stringify(document);
  if (json === undefined) throw ValidationError.of(`${collection}/${id}`, 'document is not JSON-serializable');
  return json;
}

function parse<T>(json: string | undefined): T | undefined {
  return json === undefined ? undefined : (JSON.parse(json) as T);
}

/** Pending changes of one transaction, applied on commit. */
class Overlay {
  readonly writes = new Map<string, Map<string, string | null>>();
  readonly dropped = new Set<string>();
  readonly checkpoints = new Map<string, number>();
  readonly outbox: OutboxMessage[] = [];
  readonly onCommit: (() => void)[] = [];
}

function findIn(entries: Iterable<[string, string]>, options: FindOptions = {}): DocumentEntry<string>[] {
  const prefix = options.prefix ?? '';
  const after = options.after;
  const sorted = [...entries]
    .filter(([id]) => id.startsWith(prefix) && (after === undefined || byteOrder(id, after) > 0))
    .sort(([a], [b]) => byteOrder(a, b));
  return sorted.slice(0, options.limit ?? sorted.length).map(([id, document]) => ({ id, document }));
}

/** Documents view over committed data plus an optional overlay of pending writes. */
function documentsView(collections: Collections, overlay?: Overlay): Documents {
  const committed = (collection: string): Map<string, string> | undefined =>
    overlay?.dropped.has(collection) ? undefined : collections.get(collection);
  const read = (collection: string, id: string): string | undefined => {
    const pending = overlay?.writes.get(collection);
    if (pending?.has(id)) return pending.get(id) ?? undefined;
    return committed(collection)?.get(id);
  };
  const merged = (collection: string): Map<string, string> => {
    const result = new Map(committed(collection));
    for (const [id, json] of overlay?.writes.get(collection) ?? []) {
      if (json === null) result.delete(id);
      else result.set(id, json);
    }
    return result;
  };
  const write = (collection: string, id: string, json: string | null): void => {
    if (!overlay) throw new Error('documents are read-only outside a transaction');
    let pending = overlay.writes.get(collection);
    if (!pending) overlay.writes.set(collection, (pending = new Map()));
    pending.set(id, json);
  };
  return {
    async get(collection, id) {
      return parse(read(collection, id));
    },
    async getMany<T>(collection: string, ids: readonly string[]) {
      const found = new Map<string, T>();
      for (const id of ids) {
        const json = read(collection, id);
        if (json !== undefined) found.set(id, JSON.parse(json) as T);
      }
      return found;
    },
    async put(collection, id, document) {
      write(collection, id, serialize(document, collection, id));
    },
    async create(collection, id, document) {
      if (read(collection, id) !== undefined) return false;
      write(collection, id, serialize(document, collection, id));
      return true;
    },
    async putMany(collection, entries) {
      for (const [id, document] of entries) write(collection, id, serialize(document, collection, id));
    },
    async delete(collection, id) {
      write(collection, id, null);
    },
    async deleteMany(collection, ids) {
      for (const id of ids) write(collection, id, null);
    },
    async find<T>(collection: string, options?: FindOptions) {
      return findIn(merged(collection), options).map(({ id, document }) => ({ id, document: JSON.parse(document) as T }));
    },
    async count(collection) {
      return merged(collection).size;
    },
    async dropCollection(collection) {
      if (!overlay) throw new Error('documents are read-only outside a transaction');
      overlay.writes.delete(collection);
      overlay.dropped.add(collection);
    },
  };
}

/** The in-memory store's projection host, with a hook for the store's own commit work. */
export type InMemoryProjectionHost = ProjectionHost<null> & {
  /** Like `transaction`, with `onCommit` callbacks that run synchronously inside the commit. */
  transactionWithCommitHooks<T>(work: (tx: ProjectionTx<null>, onCommit: (hook: () => void) => void) => Promise<T>): Promise<T>;
};

/**
 * Projection host kept in process memory: transactions are serialized and
 * applied atomically on commit; a throwing transaction leaves nothing behind.
 */
export function createInMemoryProjectionHost(clock: () => Date = () => new Date()): InMemoryProjectionHost {
  const mutex = new Mutex();
  const collections: Collections = new Map();
  const checkpoints = new Map<string, Checkpoint>();
  const leases = new Map<string, { owner: string; expiresAt: number }>();
  const parked = new Map<string, ParkedEvent>();
  const outbox: StoredOutboxMessage[] = [];

  function commit(overlay: Overlay): void {
    for (const collection of overlay.dropped) collections.delete(collection);
    for (const [collection, writes] of overlay.writes) {
      let target = collections.get(collection);
      if (!target) collections.set(collection, (target = new Map()));
      for (const [id, json] of writes) {
        if (json === null) target.delete(id);
        else target.set(id, json);
      }
    }
    const now = clock();
    for (const [name, position] of overlay.checkpoints) checkpoints.set(name, { name, position, updatedAt: now });
    for (const message of overlay.outbox) {
      outbox.push({ ...message, data: JSON.parse(JSON.stringify(message.data)) as unknown, position: outbox.length + 1, createdAt: now });
    }
    for (const hook of overlay.onCommit) hook();
  }

  function transactionWithCommitHooks<T>(work: (tx: ProjectionTx<null>, onCommit: (hook: () => void) => void) => Promise<T>): Promise<T> {
    return mutex.run(async () => {
      const overlay = new Overlay();
      const tx: ProjectionTx<null> = {
        documents: documentsView(collections, overlay),
        native: null,
        checkpoints: {
          async get(name) {
            return overlay.checkpoints.get(name) ?? checkpoints.get(name)?.position;
          },
          async advance(name, from, to) {
            const stored = overlay.checkpoints.get(name) ?? checkpoints.get(name)?.position;
            if (stored !== from) return false;
            overlay.checkpoints.set(name, to);
            return true;
          },
        },
        outbox: {
          async add(messages) {
            for (const message of messages) {
              serialize(message.data, 'outbox', message.type);
              overlay.outbox.push(message);
            }
          },
        },
      };
      const result = await work(tx, (hook) => overlay.onCommit.push(hook));
      commit(overlay);
      return result;
    });
  }

  const leaseApi: Leases = {
    async acquire(name, owner, ttlMs) {
      const now = clock().getTime();
      const current = leases.get(name);
      if (current && current.owner !== owner && current.expiresAt > now) return false;
      leases.set(name, { owner, expiresAt: now + ttlMs });
      return true;
    },
    async release(name, owner) {
      if (leases.get(name)?.owner === owner) leases.delete(name);
    },
  };

  const parkedApi: ParkedEvents = {
    async park(consumer, event: RecordedEvent, error, attempts) {
      parked.set(`${consumer}\u0000${event.eventId}`, {
        consumer,
        eventId: event.eventId,
        globalPosition: event.globalPosition,
        streamId: event.streamId,
        type: event.type,
        error,
        attempts,
        parkedAt: clock(),
      });
    },
    async list(consumer) {
      return [...parked.values()].filter((p) => consumer === undefined || p.consumer === consumer).sort((a, b) => a.globalPosition - b.globalPosition);
    },
    async remove(consumer, eventId) {
      return parked.delete(`${consumer}\u0000${eventId}`);
    },
  };

  return {
    transaction: (work) => transactionWithCommitHooks((tx) => work(tx)),
    transactionWithCommitHooks,
    documents: documentsView(collections),
    leases: leaseApi,
    parked: parkedApi,
    async listCheckpoints() {
      return [...checkpoints.values()].sort((a, b) => byteOrder(a.name, b.name));
    },
    async deleteCheckpoint(name) {
      checkpoints.delete(name);
    },
    async readOutbox(after, limit) {
      return outbox.slice(after, after + limit).map((m) => ({ ...m, data: JSON.parse(JSON.stringify(m.data)) as unknown }));
    },
  };
}
