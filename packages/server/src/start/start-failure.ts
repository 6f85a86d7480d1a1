/** A start that cannot succeed, with a one-line message saying what to change. */
export class StartupError extends Error {
  constructor(
    message: string,
    /**
     * What was wrong, for tests and logs: `PORT`, `DATA_DIR`, `PG_URL`, `PG_UNREACHABLE`, `PG_DATABASE`, `PG_AUTH`,
     * `NATS_URL`, `NATS_SERVER`, `STORE_CORRUPT`, `CONFIG`.
     */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** Where the server was going to listen and keep its data, for the messages. */
export type StartContext = {
  readonly port?: number;
  readonly host?: string;
  readonly pgUrl?: string;
  /** `CHRONICLE_NATS_URL`, when the store is NATS JetStream. */
  readonly natsUrl?: string;
  readonly dataDir?: string;
  /** The SQLite file, when the store is SQLite. */
  readonly sqliteFile?: string;
};

/** A URL with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let e = error as { code?: unknown; cause?: unknown; errors?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
    if (Array.isArray(e.errors)) for (const inner of e.errors) codes.push(...codesOf(inner));
  }
  return codes;
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.trim();
}

function pgParts(url: string): { host: string; port: string; user: string; database: string } {
  try {
    const parsed = new URL(url);
    return {
      host: parsed.hostname || 'localhost',
      port: parsed.port || '5432',
      user: decodeURIComponent(parsed.username) || 'postgres',
      database: decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || 'postgres',
    };
  } catch {
    return { host: '?', port: '?', user: '?', database: '?' };
  }
}

/**
 * One line saying why a start failed and what to change, for the errors a
 * Chronicle server meets while starting: the port taken, PostgreSQL not
 * reachable, a bad `CHRONICLE_PG_URL`, a missing database, a data directory
 * that is not a writable directory, a damaged store. Anything else is its
 * first message line (the stack goes to the debug log).
 */
export function describeStartFailure(error: unknown, context: StartContext = {}): string {
  if (error instanceof StartupError) return error.message;
  const codes = codesOf(error);
  const has = (...wanted: string[]) => wanted.some((code) => codes.includes(code));
  const where = `${context.host ?? '127.0.0.1'}:${context.port ?? '?'}`;
  if (has('EADDRINUSE')) return `port ${context.port} on ${context.host ?? '127.0.0.1'} is already in use: stop the other process, or set PORT to a free port (e.g. PORT=${(context.port ?? 3000) + 1})`;
  if (has('EADDRNOTAVAIL')) return `cannot listen on ${where}: HOST is not an address of this machine; set HOST (e.g. HOST=127.0.0.1 or HOST=0.0.0.0)`;
  if (has('EACCES') && codes.length > 0 && /listen/i.test(messageOf(error))) return `not allowed to listen on port ${context.port}: set PORT to 1024 or above`;
  if (has('STORE_CORRUPT', 'SQLITE_CORRUPT', 'SQLITE_NOTADB') || codes.some((code) => code.startsWith('SQLITE_CORRUPT'))) {
    const file = context.sqliteFile ?? 'the store';
    return `the store ${file} is damaged (${messageOf(error)}): run \`npx chronicle --db ${file} verify\` to see what is damaged, then restore it from a backup or move it aside to start empty`;
  }
  if (context.pgUrl) {
    const pg = pgParts(context.pgUrl);
    const url = redactUrl(context.pgUrl);
    if (has('ERR_INVALID_URL')) return `CHRONICLE_PG_URL is not a valid URL (${url}): use postgres://user:password@host:5432/database`;
    if (has('3D000')) {
      return `PostgreSQL database "${pg.database}" does not exist on ${pg.host}:${pg.port}: create it (createdb -h ${pg.host} -p ${pg.port} -U ${pg.user} ${pg.database}, or psql -c 'create database "${pg.database}"'), or point CHRONICLE_PG_URL at an existing one`;
    }
    if (has('28P01', '28000')) return `PostgreSQL refused the login of "${pg.user}" at ${pg.host}:${pg.port} (${messageOf(error).replace(/^postgres: /, '')}): fix the user or password in CHRONICLE_PG_URL (${url})`;
    if (has('ENOTFOUND', 'EAI_AGAIN')) return `PostgreSQL host "${pg.host}" of CHRONICLE_PG_URL (${url}) is not known: fix the host name`;
    if (has('ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', '57P03')) {
      return `PostgreSQL at ${pg.host}:${pg.port} is not reachable (${codes.find((c) => /^[A-Z0-9]+$/.test(c) && c !== 'STORE_UNAVAILABLE') ?? messageOf(error)}): start it, or set CHRONICLE_PG_URL to a reachable server (now ${url})`;
    }
  }
  if (context.natsUrl) {
    const seeds = context.natsUrl
      .split(',')
      .map((seed) => redactUrl(seed.trim()))
      .join(',');
    if (has('STORE_UNAVAILABLE')) {
      const why = messageOf((error as { cause?: unknown }).cause ?? error);
      return `NATS at ${seeds} is not reachable (${why}): start it, or set CHRONICLE_NATS_URL to reachable servers`;
    }
  }
  if (context.dataDir && has('EACCES', 'EPERM', 'EROFS')) return `CHRONICLE_DATA_DIR ${context.dataDir} is not writable (${codes[0]}): fix its permissions, or set CHRONICLE_DATA_DIR to a writable directory`;
  if (context.dataDir && has('ENOTDIR', 'EEXIST')) return `CHRONICLE_DATA_DIR ${context.dataDir} is not a directory: set CHRONICLE_DATA_DIR to a directory (it is created if missing)`;
  if (has('ENOSPC')) return `the disk holding ${context.dataDir ?? 'the data'} is full: free space, or set CHRONICLE_DATA_DIR to another disk`;
  return messageOf(error);
}
