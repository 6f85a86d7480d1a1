import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@chronicle/core/files';
import { isBearerToken } from './auth.js';
import { StartupError, redactUrl } from './start/start-failure.js';
import type { SseOptions } from './sse/sse-options.js';

/** Settings every Chronicle server reads from the environment; each has a working default. */
export type ServerConfig = {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly pgUrl: string | undefined;
  /** `CHRONICLE_NATS_URL` as given (comma-separated seeds). */
  readonly natsUrl: string | undefined;
  /** The NATS JetStream store, when `CHRONICLE_NATS_URL` is set. */
  readonly nats: NatsConfig | undefined;
  readonly token: string;
  /** Where the token came from: `CHRONICLE_API_TOKEN`, generated now (print it), or the file from an earlier start. */
  readonly tokenSource: 'env' | 'generated' | 'file';
  /** The token file (`<dataDir>/api-token`), unless the token came from the environment. */
  readonly tokenFile: string | undefined;
  /** True when the token was generated now (print it once). */
  readonly tokenGenerated: boolean;
  readonly readsRequireToken: boolean;
  /** Bounds of `GET /v1/subscribe`. */
  readonly sse: SseOptions;
  /** `CHRONICLE_SQLITE_INTEGRITY_CHECK`: `quick` (default) checks a SQLite file's pages at start, `off` skips it. */
  readonly sqliteIntegrityCheck: 'quick' | 'off';
};

/** Where and how the store lives on NATS JetStream. */
export type NatsConfig = {
  /** The seed URLs of `CHRONICLE_NATS_URL`; the client learns the rest of the cluster from them. */
  readonly servers: readonly string[];
  /** `CHRONICLE_NATS_STREAM` (default `CHRONICLE`): the events stream's name. */
  readonly stream: string;
  /** The stream's name in lower case: its subjects start with it. */
  readonly subjectPrefix: string;
  /**
   * `CHRONICLE_NATS_REPLICAS` (1-5): the replicas the streams are created with, and must have when
   * they exist. Unset: created with 1, used as they are when they exist (the banner says which).
   */
  readonly replicas: number | undefined;
};

function integer(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new StartupError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`, 'CONFIG');
  return value;
}

/** `mkdir -p` that reports the real reason (a recursive mkdirSync says ENOENT on a read-only disk, and loops under /proc). */
function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || path.dirname(dir) === dir) throw error;
    makeDirectory(path.dirname(dir));
    mkdirSync(dir);
  }
}

/**
 * Makes sure `dir` is a directory this process can write to (creating it
 * when missing), by writing and removing a file in it; a one-line
 * {@link StartupError} naming `CHRONICLE_DATA_DIR` otherwise.
 */
export function prepareDataDir(dir: string): void {
  try {
    makeDirectory(dir);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new StartupError(`CHRONICLE_DATA_DIR ${dir} is not a directory: set CHRONICLE_DATA_DIR to a directory (it is created if missing)`, 'DATA_DIR', { cause: error });
    throw new StartupError(`CHRONICLE_DATA_DIR ${dir} cannot be created (${code ?? (error as Error).message}): fix the permissions of its parent, or set CHRONICLE_DATA_DIR to a writable directory`, 'DATA_DIR', { cause: error });
  }
  if (!statSync(dir).isDirectory()) throw new StartupError(`CHRONICLE_DATA_DIR ${dir} is not a directory: set CHRONICLE_DATA_DIR to a directory (it is created if missing)`, 'DATA_DIR');
  const probe = path.join(dir, `.write-check-${process.pid}`);
  try {
    writeFileAtomic(probe, 'ok\n');
    unlinkSync(probe);
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).message;
    const hint = code === 'ENOSPC' ? 'free space on its disk' : 'fix its permissions';
    throw new StartupError(`CHRONICLE_DATA_DIR ${dir} is not writable (${code}): ${hint}, or set CHRONICLE_DATA_DIR to a writable directory`, 'DATA_DIR', { cause: error });
  }
}

function checkPgUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StartupError(`CHRONICLE_PG_URL is not a URL ("${redactUrl(url)}"): use postgres://user:password@host:5432/database`, 'PG_URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new StartupError(`CHRONICLE_PG_URL must start with postgres:// or postgresql://, got "${redactUrl(url)}": use postgres://user:password@host:5432/database`, 'PG_URL');
  }
}

function checkNats(env: NodeJS.ProcessEnv, natsUrl: string | undefined): NatsConfig | undefined {
  const stream = env.CHRONICLE_NATS_STREAM || undefined;
  const replicas = integer(env, 'CHRONICLE_NATS_REPLICAS', 1, 5);
  if (!natsUrl) {
    const stray =
      stream !== undefined ? 'CHRONICLE_NATS_STREAM' : replicas !== undefined ? 'CHRONICLE_NATS_REPLICAS' : undefined;
    if (stray) {
      const message = `${stray} is set but CHRONICLE_NATS_URL is not: set CHRONICLE_NATS_URL to use NATS, or unset it`;
      throw new StartupError(message, 'CONFIG');
    }
    return undefined;
  }
  const servers = natsUrl.split(',').map((seed) => seed.trim());
  for (const seed of servers) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(seed);
    } catch {
      parsed = undefined;
    }
    const scheme = parsed?.protocol === 'nats:' || parsed?.protocol === 'tls:';
    if (!parsed || !scheme || !parsed.hostname || (parsed.pathname !== '' && parsed.pathname !== '/')) {
      throw new StartupError(
        `CHRONICLE_NATS_URL must be nats:// or tls:// URLs separated by commas, got "${redactUrl(seed)}": ` +
          'use nats://host:4222 (a cluster: nats://n1:4222,nats://n2:4222,nats://n3:4222)',
        'NATS_URL',
      );
    }
  }
  const name = stream ?? 'CHRONICLE';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new StartupError(`CHRONICLE_NATS_STREAM must be 1-64 letters, digits, - or _, got "${name}"`, 'CONFIG');
  }
  return { servers, stream: name, subjectPrefix: name.toLowerCase(), replicas };
}

function loadToken(env: NodeJS.ProcessEnv, dataDir: string): Pick<ServerConfig, 'token' | 'tokenSource' | 'tokenFile'> {
  const given = env.CHRONICLE_API_TOKEN?.trim() ?? '';
  if (given) {
    if (!isBearerToken(given)) throw new StartupError('CHRONICLE_API_TOKEN must be letters, digits and - . _ ~ + / (optionally ending in =), as a bearer token', 'CONFIG');
    return { token: given, tokenSource: 'env', tokenFile: undefined };
  }
  const file = path.join(dataDir, 'api-token');
  const read = (): string | undefined => {
    try {
      return readFileSync(file, 'utf8').trim() || undefined;
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return undefined;
      throw error;
    }
  };
  const kept = read();
  if (kept) {
    if (!isBearerToken(kept)) throw new StartupError(`the API token in ${file} is not a valid bearer token: delete the file to generate a new one`, 'CONFIG');
    return { token: kept, tokenSource: 'file', tokenFile: file };
  }
  const token = randomBytes(24).toString('base64url');
  try {
    // Exclusive: of two instances starting at once on one directory, both end up with the first one's token.
    writeFileAtomic(file, `${token}\n`, { mode: 0o600, exclusive: true });
  } catch (error) {
    const other = (error as { code?: string }).code === 'EEXIST' ? read() : undefined;
    if (other) return { token: other, tokenSource: 'file', tokenFile: file };
    throw error;
  }
  return { token, tokenSource: 'generated', tokenFile: file };
}

/**
 * Reads `PORT` (3000), `HOST` (127.0.0.1), `CHRONICLE_DATA_DIR` (./data, created
 * and checked writable), `CHRONICLE_PG_URL` (checked to be a postgres:// URL) or
 * `CHRONICLE_NATS_URL` (comma-separated nats:// seeds, with `CHRONICLE_NATS_STREAM` and
 * `CHRONICLE_NATS_REPLICAS`; both store URLs set is refused), `CHRONICLE_API_TOKEN`,
 * `CHRONICLE_READS_REQUIRE_TOKEN` and
 * the SSE bounds `CHRONICLE_SSE_MAX_SUBSCRIBERS`, `CHRONICLE_SSE_BUFFER_BYTES`,
 * `CHRONICLE_SSE_STALL_TIMEOUT_MS`, and `CHRONICLE_SQLITE_INTEGRITY_CHECK`. Without a token, one is generated and kept in
 * `<dataDir>/api-token` (mode 600, written atomically), so it survives restarts.
 * A setting that cannot be honoured throws a one-line {@link StartupError}.
 */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = integer(env, 'PORT', 0, 65_535) ?? 3000;
  const dataDir = path.resolve(env.CHRONICLE_DATA_DIR || './data');
  const pgUrl = env.CHRONICLE_PG_URL || undefined;
  const natsUrl = env.CHRONICLE_NATS_URL || undefined;
  if (pgUrl && natsUrl) {
    const message =
      'CHRONICLE_PG_URL and CHRONICLE_NATS_URL are both set: a server runs on one store; unset one of them';
    throw new StartupError(message, 'CONFIG');
  }
  if (pgUrl) checkPgUrl(pgUrl);
  const nats = checkNats(env, natsUrl);
  prepareDataDir(dataDir);
  const { token, tokenSource, tokenFile } = loadToken(env, dataDir);
  const maxSubscribers = integer(env, 'CHRONICLE_SSE_MAX_SUBSCRIBERS', 0, 1_000_000);
  const bufferBytes = integer(env, 'CHRONICLE_SSE_BUFFER_BYTES', 1024, 1024 * 1024 * 1024);
  const stallTimeoutMs = integer(env, 'CHRONICLE_SSE_STALL_TIMEOUT_MS', 100, 3_600_000);
  const sqliteIntegrityCheck = env.CHRONICLE_SQLITE_INTEGRITY_CHECK || 'quick';
  if (sqliteIntegrityCheck !== 'quick' && sqliteIntegrityCheck !== 'off') {
    throw new StartupError(`CHRONICLE_SQLITE_INTEGRITY_CHECK must be quick or off, got "${sqliteIntegrityCheck}"`, 'CONFIG');
  }
  return {
    port,
    host: env.HOST || '127.0.0.1',
    dataDir,
    pgUrl,
    natsUrl,
    nats,
    token,
    tokenSource,
    tokenFile,
    tokenGenerated: tokenSource === 'generated',
    readsRequireToken: env.CHRONICLE_READS_REQUIRE_TOKEN === '1' || env.CHRONICLE_READS_REQUIRE_TOKEN === 'true',
    sse: {
      ...(maxSubscribers === undefined ? {} : { maxSubscribers }),
      ...(bufferBytes === undefined ? {} : { bufferBytes }),
      ...(stallTimeoutMs === undefined ? {} : { stallTimeoutMs }),
    },
    sqliteIntegrityCheck,
  };
}

/**
 * The banner's token line, for every start: the value when it was generated
 * now, else where it is kept (or that it comes from the environment).
 */
export function tokenLine(config: Pick<ServerConfig, 'token' | 'tokenSource' | 'tokenFile'>): string {
  if (config.tokenSource === 'generated') return `  API token (saved in ${config.tokenFile}): ${config.token}`;
  if (config.tokenSource === 'file') return `  API token: in ${config.tokenFile} (cat it; or set CHRONICLE_API_TOKEN)`;
  return '  API token: from CHRONICLE_API_TOKEN';
}
