import { ValidationError, type DocumentEntry, type Documents, type FindOptions } from '@chronicle/core';
import { prefixUpperBound } from '../prefix-upper-bound.js';
import type { SqliteDatabase, SqliteStatement } from '../sqlite-database.js';

/** Runs a statement now (inside a write transaction) or through the store's busy-retrying query (reads). */
export type Runner = <T>(run: () => T, action: string) => T | Promise<T>;

/** Runs directly: used inside the write transaction, where SQLITE_BUSY cannot happen. */
export const direct: Runner = (run) => run();

function serialize(document: unknown, collection: string, id: string): string {
  const json = JSON.stringify(document);
  if (json === undefined) throw ValidationError.of(`${collection}/${id}`, 'document is not JSON-serializable');
  return json;
}

function assertKey(collection: unknown, id?: unknown): void {
  if (typeof collection !== 'string' || collection.length === 0) throw ValidationError.of('collection', 'must be a non-empty string');
  if (id !== undefined && typeof id !== 'string') throw ValidationError.of('id', 'must be a string');
}

/** Throws when a transaction view is used after its transaction ended. */
export function assertInTransaction(db: SqliteDatabase): void {
  if (!db.inTransaction) throw new Error('this transaction is over: use the tx only inside the transaction callback, and await its writes there');
}

/** Documents statements of one connection, prepared once. */
type DocumentStatements = {
  readonly get: SqliteStatement;
  readonly getMany: SqliteStatement;
  readonly put: SqliteStatement;
  readonly create: SqliteStatement;
  readonly delete: SqliteStatement;
  readonly deleteMany: SqliteStatement;
  readonly count: SqliteStatement;
  readonly drop: SqliteStatement;
  readonly find: ReadonlyMap<string, SqliteStatement>;
};

function prepare(db: SqliteDatabase): DocumentStatements {
  const find = new Map<string, SqliteStatement>();
  for (const lower of ['>=', '>']) {
    for (const upper of [true, false]) {
      for (const limited of [true, false]) {
        const sql = `SELECT id, json FROM documents WHERE collection = ? AND id ${lower} ?${upper ? ' AND id < ?' : ''} ORDER BY id${limited ? ' LIMIT ?' : ''}`;
        find.set(`${lower}${upper}${limited}`, db.prepare(sql).raw());
      }
    }
  }
  return {
    get: db.prepare('SELECT json FROM documents WHERE collection = ? AND id = ?').pluck(),
    getMany: db.prepare('SELECT id, json FROM documents WHERE collection = ? AND id IN (SELECT value FROM json_each(?))').raw(),
    put: db.prepare('INSERT INTO documents (collection, id, json) VALUES (?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET json = excluded.json'),
    create: db.prepare('INSERT INTO documents (collection, id, json) VALUES (?, ?, ?) ON CONFLICT (collection, id) DO NOTHING'),
    delete: db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?'),
    deleteMany: db.prepare('DELETE FROM documents WHERE collection = ? AND id IN (SELECT value FROM json_each(?))'),
    count: db.prepare('SELECT count(*) FROM documents WHERE collection = ?').pluck(),
    drop: db.prepare('DELETE FROM documents WHERE collection = ?'),
    find,
  };
}

/**
 * {@link Documents} over one connection. With `writable`, writes run on the
 * connection inside its open transaction (the store's write transaction);
 * without, it is the read-only view of committed data (the read connection).
 * Documents are stored as JSON text in `documents (collection, id, json)`;
 * ids compare as BINARY (UTF-8 byte order).
 */
export function sqliteDocuments(db: SqliteDatabase, run: Runner, writable: boolean): Documents {
  const s = prepare(db);
  const readOnly = (): never => {
    throw new Error('documents are read-only outside a transaction: use host.transaction((tx) => tx.documents...)');
  };
  const assertWritable = (): void => {
    if (!writable) readOnly();
    // A transaction view kept past its transaction must not write on its own (autocommit) behind the write lock.
    assertInTransaction(db);
  };
  return {
    async get<T>(collection: string, id: string) {
      assertKey(collection, id);
      const json = await run(() => s.get.get(collection, id) as string | undefined, 'reading a document');
      return json === undefined ? undefined : (JSON.parse(json) as T);
    },
    async getMany<T>(collection: string, ids: readonly string[]) {
      assertKey(collection);
      const found = new Map<string, T>();
      if (ids.length === 0) return found;
      const rows = await run(() => s.getMany.all(collection, JSON.stringify(ids)) as [string, string][], 'reading documents');
      for (const [id, json] of rows) found.set(id, JSON.parse(json) as T);
      return found;
    },
    async put(collection, id, document) {
      assertWritable();
      assertKey(collection, id);
      s.put.run(collection, id, serialize(document, collection, id));
    },
    async create(collection, id, document) {
      assertWritable();
      assertKey(collection, id);
      // The write transaction holds the database's write lock: of racing creates, in any process, exactly one inserts.
      return s.create.run(collection, id, serialize(document, collection, id)).changes === 1;
    },
    async putMany(collection, entries) {
      assertWritable();
      assertKey(collection);
      for (const [id, document] of entries) {
        assertKey(collection, id);
        s.put.run(collection, id, serialize(document, collection, id));
      }
    },
    async delete(collection, id) {
      assertWritable();
      assertKey(collection, id);
      s.delete.run(collection, id);
    },
    async deleteMany(collection, ids) {
      assertWritable();
      assertKey(collection);
      if (ids.length > 0) s.deleteMany.run(collection, JSON.stringify(ids));
    },
    async find<T>(collection: string, options: FindOptions = {}) {
      assertKey(collection);
      const prefix = options.prefix ?? '';
      const upper = prefixUpperBound(prefix);
      let lower = prefix;
      let inclusive = true;
      if (options.after !== undefined && Buffer.compare(Buffer.from(options.after), Buffer.from(prefix)) >= 0) {
        lower = options.after;
        inclusive = false;
      }
      const limited = options.limit !== undefined;
      const statement = s.find.get(`${inclusive ? '>=' : '>'}${upper !== undefined}${limited}`)!;
      const params: unknown[] = [collection, lower];
      if (upper !== undefined) params.push(upper);
      if (limited) params.push(options.limit);
      const rows = await run(() => statement.all(...params) as [string, string][], 'finding documents');
      return rows.map(([id, json]): DocumentEntry<T> => ({ id, document: JSON.parse(json) as T }));
    },
    async count(collection) {
      assertKey(collection);
      return await run(() => s.count.get(collection) as number, 'counting documents');
    },
    async dropCollection(collection) {
      assertWritable();
      assertKey(collection);
      s.drop.run(collection);
    },
  };
}
