import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { EventStore } from '@chronicle/core';
import { createPostgresStore } from '@chronicle/postgres';
import { createSqliteStore } from '@chronicle/sqlite';

/** Where the store is: the global options every command shares. */
export type StoreOptions = {
  /** SQLite database file. */
  readonly db?: string;
  /** PostgreSQL connection URL. */
  readonly pg?: string;
  /** PostgreSQL schema (default `chronicle`). */
  readonly schema?: string;
};

/** A resolved store location, for messages. */
export type StoreTarget = { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string };

/**
 * Where the store is: `--pg` or `CHRONICLE_PG_URL` selects PostgreSQL, unless
 * `--db` is given; otherwise SQLite at `--db` or `$CHRONICLE_DATA_DIR/chronicle.db`
 * (`CHRONICLE_DATA_DIR` defaults to `./data`).
 */
export function resolveTarget(options: StoreOptions, env: NodeJS.ProcessEnv = process.env): StoreTarget {
  if (options.pg) return { kind: 'postgres', url: options.pg, ...(options.schema ? { schema: options.schema } : {}) };
  if (options.db) return { kind: 'sqlite', path: path.resolve(options.db) };
  if (env.CHRONICLE_PG_URL) return { kind: 'postgres', url: env.CHRONICLE_PG_URL, ...(options.schema ? { schema: options.schema } : {}) };
  return { kind: 'sqlite', path: path.resolve(env.CHRONICLE_DATA_DIR ?? './data', 'chronicle.db') };
}

/** Where a target points, without credentials. */
export function describeTarget(target: StoreTarget): string {
  if (target.kind === 'sqlite') return target.path;
  const url = new URL(target.url);
  url.password = '';
  return `${url.toString()}${target.schema ? ` (schema ${target.schema})` : ''}`;
}

/** Opens the store a target points at (creating an empty SQLite file when missing). */
export async function openStore(target: StoreTarget, options: { readonly bulk?: boolean; readonly skipIntegrityCheck?: boolean } = {}): Promise<EventStore> {
  if (target.kind === 'sqlite') {
    mkdirSync(path.dirname(target.path), { recursive: true });
    // Bulk loads (import) trade power-cut durability of the last appends for speed; a killed process still loses nothing.
    return createSqliteStore({
      path: target.path,
      busyTimeoutMs: 10_000,
      ...(options.bulk ? { synchronous: 'NORMAL' as const } : {}),
      ...(options.skipIntegrityCheck ? { integrityCheck: 'off' as const } : {}),
    });
  }
  return createPostgresStore({ connectionString: target.url, applicationName: 'chronicle-cli', maxConnections: 4, ...(target.schema ? { schema: target.schema } : {}) });
}

/**
 * The archive directory: `--cold`, else `cold/` beside the SQLite file, else
 * `$CHRONICLE_DATA_DIR/cold` (`./data/cold`).
 */
export function coldDir(target: StoreTarget, explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return path.resolve(explicit);
  if (target.kind === 'sqlite') return path.join(path.dirname(target.path), 'cold');
  return path.resolve(env.CHRONICLE_DATA_DIR ?? './data', 'cold');
}
