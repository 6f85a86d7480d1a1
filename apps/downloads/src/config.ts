/** Downloads' own settings (the server's are in `loadServerConfig`), read from the environment. */
export type DownloadsConfig = {
  /** `DOWNLOADS_ALLOW_CLOCK_OVERRIDE=1`: honour `X-Chronicle-Now` (tests, demos). */
  readonly allowClockOverride: boolean;
  /**
   * `DOWNLOADS_CLOCK_OFFSET_MS` (tests only, needs the override): this
   * instance's clock runs that far from the system's, to test skew.
   */
  readonly clockOffsetMs: number;
  /** Projection leases: `DOWNLOADS_LEASE_TTL_MS` (1500) and `DOWNLOADS_LEASE_RETRY_MS` (300). */
  readonly lease: LeaseSettings;
  /**
   * `CHRONICLE_SQLITE_PATH`: the SQLite file, when it is not `<data dir>/chronicle.db` — so that
   * several instances on one host share one database file while each keeps its own data directory
   * (fallback journal).
   */
  readonly sqlitePath: string | undefined;
  /**
   * `CHRONICLE_SQLITE_BUSY_TIMEOUT_MS` (2000): how long a write waits for another process's write
   * lock before the store counts as down (and acquisitions take the fallback). Raise it when several
   * instances share one SQLite file.
   */
  readonly sqliteBusyTimeoutMs: number;
};

/**
 * How instances share the async projections: one holds each lease and renews
 * it every third of `ttlMs`; the others try to take it every `retryMs`. When
 * the holder dies, another takes over within `retryMs` on PostgreSQL (the
 * lease is a session advisory lock, freed with the holder's connection) and
 * within `ttlMs + retryMs` on SQLite (a lease row that expires).
 */
export type LeaseSettings = { readonly ttlMs: number; readonly retryMs: number };

/** The defaults: takeover within 0.3 s on PostgreSQL and 1.8 s on SQLite. */
export const defaultLease: LeaseSettings = { ttlMs: 1_500, retryMs: 300 };

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Reads and checks the settings; a setting that cannot be honoured throws, naming it. */
export function loadDownloadsConfig(env: NodeJS.ProcessEnv = process.env): DownloadsConfig {
  const allowClockOverride = env.DOWNLOADS_ALLOW_CLOCK_OVERRIDE === '1';
  const clockOffsetMs = integer(env, 'DOWNLOADS_CLOCK_OFFSET_MS', 0, -86_400_000, 86_400_000);
  if (clockOffsetMs !== 0 && !allowClockOverride) {
    throw new Error(
      'DOWNLOADS_CLOCK_OFFSET_MS is a test setting: it is honoured only with DOWNLOADS_ALLOW_CLOCK_OVERRIDE=1',
    );
  }
  const ttlMs = integer(env, 'DOWNLOADS_LEASE_TTL_MS', defaultLease.ttlMs, 300, 600_000);
  const defaultRetryMs = Math.min(defaultLease.retryMs, Math.floor(ttlMs / 3));
  const retryMs = integer(env, 'DOWNLOADS_LEASE_RETRY_MS', defaultRetryMs, 50, 600_000);
  if (retryMs >= ttlMs) {
    throw new Error(`DOWNLOADS_LEASE_RETRY_MS (${retryMs}) must be below DOWNLOADS_LEASE_TTL_MS (${ttlMs})`);
  }
  const sqliteBusyTimeoutMs = integer(env, 'CHRONICLE_SQLITE_BUSY_TIMEOUT_MS', 2_000, 1, 600_000);
  const sqlitePath = env.CHRONICLE_SQLITE_PATH || undefined;
  return { allowClockOverride, clockOffsetMs, lease: { ttlMs, retryMs }, sqlitePath, sqliteBusyTimeoutMs };
}
