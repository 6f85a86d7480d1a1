import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { EventStore } from '@chronicle/core';
import { createNatsStore } from '@chronicle/nats';
import { createPostgresStore } from '@chronicle/postgres';
import { createSqliteStore } from '@chronicle/sqlite';
import { CliError } from '../errors.js';

/** Where the store is: the global options every command shares. */
export type StoreOptions = {
  /** SQLite database file. */
  readonly db?: string;
  /** PostgreSQL connection URL. */
  readonly pg?: string;
  /** PostgreSQL schema (default `chronicle`). */
  readonly schema?: string;
  /** NATS JetStream seed URLs, comma-separated. */
  readonly nats?: string;
  /** NATS JetStream events stream (default `CHRONICLE`, or `CHRONICLE_NATS_STREAM`). */
  readonly natsStream?: string;
};

/** A resolved store location, for messages. */
export type StoreTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string }
  | { readonly kind: 'nats'; readonly servers: readonly string[]; readonly stream: string };

function natsTarget(seeds: string, stream: string | undefined): StoreTarget {
  const servers = seeds.split(',').map((seed) => seed.trim());
  if (servers.some((seed) => !/^(nats|tls):\/\/[^/]+\/?$/.test(seed))) {
    throw new CliError(`NATS servers must be nats:// or tls:// URLs separated by commas, got ${JSON.stringify(seeds)}`);
  }
  const name = stream ?? 'CHRONICLE';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new CliError(`the NATS stream must be 1-64 letters, digits, - or _, got ${JSON.stringify(name)}`);
  return { kind: 'nats', servers, stream: name };
}

/**
 * Where the store is: `--db` (SQLite), `--pg` (PostgreSQL) or `--nats` (NATS
 * JetStream, stream `--nats-stream`); without one of them `CHRONICLE_PG_URL`
 * or `CHRONICLE_NATS_URL` (both set is refused: the CLI never guesses), else
 * SQLite at `$CHRONICLE_DATA_DIR/chronicle.db` (`CHRONICLE_DATA_DIR` defaults to `./data`).
 */
export function resolveTarget(options: StoreOptions, env: NodeJS.ProcessEnv = process.env): StoreTarget {
  const stream = options.natsStream ?? (env.CHRONICLE_NATS_STREAM || undefined);
  if (options.pg) return { kind: 'postgres', url: options.pg, ...(options.schema ? { schema: options.schema } : {}) };
  if (options.db) return { kind: 'sqlite', path: path.resolve(options.db) };
  if (options.nats) return natsTarget(options.nats, stream);
  if (env.CHRONICLE_PG_URL && env.CHRONICLE_NATS_URL) {
    throw new CliError('CHRONICLE_PG_URL and CHRONICLE_NATS_URL are both set: pass --pg, --nats or --db, or unset one of them');
  }
  if (env.CHRONICLE_PG_URL) return { kind: 'postgres', url: env.CHRONICLE_PG_URL, ...(options.schema ? { schema: options.schema } : {}) };
  if (env.CHRONICLE_NATS_URL) return natsTarget(env.CHRONICLE_NATS_URL, stream);
  return { kind: 'sqlite', path: path.resolve(env.CHRONICLE_DATA_DIR ?? './data', 'chronicle.db') };
}

function withoutPassword(value: string): string {
  const url = new URL(value);
  url.password = '';
  return url.toString();
}

/** Where a target points, without credentials. */
export function describeTarget(target: StoreTarget): string {
  if (target.kind === 'sqlite') return target.path;
  if (target.kind === 'nats') return `${target.servers.map(withoutPassword).join(',')} (stream ${target.stream})`;
  return `${withoutPassword(target.url)}${target.schema ? ` (schema ${target.schema})` : ''}`;
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
  if (target.kind === 'nats') {
    const stream = target.stream;
    return createNatsStore({ servers: [...target.servers], stream, subjectPrefix: stream.toLowerCase() });
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
