import type { PgClientLike, PgNotification, PgPoolLike, PgQueryConfig } from './pg-types.js';

/** Keeps one LISTEN connection open while anyone needs it. */
export type Listener = {
  /** Registers a user (a subscription); the returned function unregisters it. */
  readonly acquire: () => () => void;
  /** Stops listening for good. */
  readonly close: () => void;
};

export type ListenerOptions = {
  readonly pool: PgPoolLike;
  readonly channel: string;
  /** The LISTEN statement for `channel`. */
  readonly listen: PgQueryConfig;
  /** Payload of this store's own notifications, which it ignores (it woke its readers already). */
  readonly ownPayload: string;
  /** Called on every notification from elsewhere, and after (re)connecting, since notifications may have been missed. */
  readonly onWake: () => void;
  /** Reconnect backoff bounds. */
  readonly minRetryMs?: number;
  readonly maxRetryMs?: number;
  /** How long the connection stays after the last user left, for the next one (default 1 s). */
  readonly lingerMs?: number;
};

/**
 * LISTENs on a connection checked out of the pool while at least one
 * subscription runs, and reconnects with backoff when the connection drops.
 * While it is down, subscriptions still poll at their fallback interval.
 * After the last subscription ends the connection stays for `lingerMs`:
 * ending a LISTEN means destroying the connection, and an application whose
 * subscriptions come and go (a request that follows the log for a while)
 * would otherwise pay a new server connection, several milliseconds of
 * server CPU, each time (measured: 3-19 ms waits for the pool per
 * subscription round in the pool-of-4 bench on a loaded machine).
 */
export function createListener(options: ListenerOptions): Listener {
  const { pool, channel, ownPayload, onWake } = options;
  const minRetryMs = options.minRetryMs ?? 100;
  const maxRetryMs = options.maxRetryMs ?? 5_000;
  const lingerMs = options.lingerMs ?? 1_000;
  let users = 0;
  let closed = false;
  let client: PgClientLike | undefined;
  let session = 0; // bumps whenever the current connection attempt is abandoned
  let retryMs = minRetryMs;
  let timer: NodeJS.Timeout | undefined;
  let lingering: NodeJS.Timeout | undefined;
  /** Whether a connection is held or being (re)connected. */
  let active = false;

  const onNotification = (message: PgNotification): void => {
    if (message.channel === channel && message.payload !== ownPayload) onWake();
  };

  function drop(): void {
    active = false;
    clearTimeout(lingering);
    lingering = undefined;
    session++;
    clearTimeout(timer);
    timer = undefined;
    const current = client;
    client = undefined;
    if (current) {
      current.removeListener('notification', onNotification);
      // Destroying (not returning) the connection also ends its LISTEN.
      current.release(true);
    }
  }

  function scheduleReconnect(): void {
    drop();
    if (closed || users === 0) return;
    active = true;
    timer = setTimeout(() => void connect(), retryMs);
    retryMs = Math.min(retryMs * 2, maxRetryMs);
  }

  async function connect(): Promise<void> {
    const mine = ++session;
    let connection: PgClientLike;
    try {
      connection = await pool.connect();
    } catch {
      if (mine === session) scheduleReconnect();
      return;
    }
    if (mine !== session) {
      connection.release(true);
      return;
    }
    client = connection;
    const failed = (): void => {
      if (mine === session) scheduleReconnect();
    };
    connection.on('error', failed);
    connection.on('end', failed);
    connection.on('notification', onNotification);
    try {
      await connection.query(options.listen);
    } catch {
      failed();
      return;
    }
    if (mine !== session) return;
    retryMs = minRetryMs;
    onWake();
  }

  return {
    acquire() {
      users++;
      clearTimeout(lingering);
      lingering = undefined;
      if (!active && !closed) {
        active = true;
        void connect();
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        users--;
        if (users === 0 && active) {
          lingering = setTimeout(() => {
            if (users === 0) drop();
          }, lingerMs);
          lingering.unref();
        }
      };
    },
    close() {
      closed = true;
      drop();
    },
  };
}
