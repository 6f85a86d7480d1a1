import { ValidationError, type DocumentEntry, type Documents, type FindOptions } from '@chronicle/core';
import type { PgQueryConfig } from './pg-types.js';
import { toNumber } from './rows.js';
import type { ProjectionQueries } from './sql/projection-queries.js';
import { prefixUpperBound } from './stream-ids.js';

/** Runs one statement (on the pool, or on a transaction's connection) and returns its array rows. */
export type RunQuery = (query: PgQueryConfig, values: unknown[]) => Promise<readonly (readonly unknown[])[]>;

function serialize(document: unknown, collection: string, id: string): string {
  const json = JSON.stringify(document);
  if (json === undefined) throw ValidationError.of(`${collection}/${id}`, 'document is not JSON-serializable');
  return json;
}

/** PostgreSQL text cannot hold U+0000; no stored id contains it. */
function assertKey(collection: string, id: string): void {
  if (collection.includes('\u0000') || id.includes('\u0000')) throw ValidationError.of(`${collection}/${id}`, 'collection and id must not contain U+0000');
}

/**
 * {@link Documents} in the `documents` table. With a transaction's `run`,
 * writes commit or roll back with it; with the pool's, every call sees
 * committed data and writes are refused (read-only outside a transaction).
 */
export function createDocuments(sql: ProjectionQueries, run: RunQuery, writable: boolean): Documents {
  const assertWritable = (): void => {
    if (!writable) throw new Error('documents are read-only outside a transaction');
  };
  async function putMany(collection: string, entries: readonly (readonly [string, unknown])[]): Promise<void> {
    assertWritable();
    // One row per id (the last write wins), as ON CONFLICT may touch a row only once per statement.
    const byId = new Map<string, string>();
    for (const [id, document] of entries) {
      assertKey(collection, id);
      byId.set(id, serialize(document, collection, id));
    }
    if (byId.size > 0) await run(sql.putDocuments, [collection, [...byId.keys()], [...byId.values()]]);
  }
  return {
    async get<T>(collection: string, id: string): Promise<T | undefined> {
      if (id.includes('\u0000')) return undefined;
      const [row] = await run(sql.getDocument, [collection, id]);
      return row ? (JSON.parse(row[0] as string) as T) : undefined;
    },
    async getMany<T>(collection: string, ids: readonly string[]): Promise<Map<string, T>> {
      const found = new Map<string, T>();
      const wanted = ids.filter((id) => !id.includes('\u0000'));
      if (wanted.length === 0) return found;
      for (const row of await run(sql.getDocuments, [collection, wanted])) found.set(row[0] as string, JSON.parse(row[1] as string) as T);
      return found;
    },
    put: (collection, id, document) => putMany(collection, [[id, document]]),
    putMany,
    async create(collection, id, document) {
      assertWritable();
      assertKey(collection, id);
      return (await run(sql.createDocument, [collection, id, serialize(document, collection, id)])).length === 1;
    },
    async delete(collection, id) {
      assertWritable();
      await run(sql.deleteDocuments, [collection, [id]]);
    },
    async deleteMany(collection, ids) {
      assertWritable();
      if (ids.length > 0) await run(sql.deleteDocuments, [collection, [...ids]]);
    },
    async find<T>(collection: string, options: FindOptions = {}): Promise<DocumentEntry<T>[]> {
      const prefix = options.prefix ?? '';
      if (prefix.includes('\u0000')) return [];
      const after = options.after === undefined ? null : options.after.split('\u0000')[0]!;
      const rows = await run(sql.findDocuments, [collection, prefix, prefixUpperBound(prefix) ?? null, after, options.limit ?? null]);
      return rows.map((row) => ({ id: row[0] as string, document: JSON.parse(row[1] as string) as T }));
    },
    async count(collection) {
      const [row] = await run(sql.countDocuments, [collection]);
      return toNumber(row![0]);
    },
    async dropCollection(collection) {
      assertWritable();
      await run(sql.dropCollection, [collection]);
    },
  };
}
