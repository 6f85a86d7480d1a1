import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { EventStore } from '@chronicle/core';
import { createNatsStore } from '@chronicle/nats';
import { createPostgresStore } from '@chronicle/postgres';
import { createSqliteStore } from '@chronicle/sqlite';
import { CliError, exitCodes } from '../errors.js';

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

/** The answer to a store that is not there, for commands that do not create one. */
function noSuchStore(target: StoreTarget, why: string): CliError {
  const where = describeTarget(target);
  return new CliError(`no such store: ${where} (${why}; chronicle import creates a store)`, exitCodes.usage);
}

/** Whether the PostgreSQL schema holds a Chronicle store (its migrations ledger), without creating anything. */
async function postgresStoreExists(url: string, schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, application_name: 'chronicle-cli' });
  client.on('error', () => undefined); // a dropped connection fails the query below instead
  await client.connect();
  try {
    const found = await client.query<{ present: boolean }>(
      "select to_regclass(format('%I.schema_migrations', $1::text)) is not null as present",
      [schema],
    );
    return found.rows[0]?.present === true;
  } finally {
    await client.end();
  }
}

/** How a command opens its store. */
export type OpenOptions = {
  /** Bulk loads: SQLite `synchronous=NORMAL`. */
  readonly bulk?: boolean;
  readonly skipIntegrityCheck?: boolean;
  /**
   * Create the store when it is missing (only `import` does). Otherwise a missing SQLite file,
   * PostgreSQL schema or JetStream stream is refused with "no such store", and nothing is created.
   */
  readonly create?: boolean;
};

/** Opens the store a target points at; creates it when missing only with `create`. */
export async function openStore(target: StoreTarget, options: OpenOptions = {}): Promise<EventStore> {
  if (target.kind === 'sqlite') {
    if (!options.create && !existsSync(target.path)) throw noSuchStore(target, 'no such file');
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
    const nats = { servers: [...target.servers], stream, subjectPrefix: stream.toLowerCase(), createStreams: options.create === true };
    return createNatsStore(nats).catch(
      (error: unknown) => {
        const missing = error instanceof Error && /does not exist \(createStreams is false\)/.test(error.message);
        throw missing ? noSuchStore(target, 'no such JetStream stream') : error;
      },
    );
  }
  if (!options.create && !(await postgresStoreExists(target.url, target.schema ?? 'chronicle'))) {
    throw noSuchStore(target, `no Chronicle store in schema ${target.schema ?? 'chronicle'}`);
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
