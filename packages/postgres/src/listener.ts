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
};

/**
 * LISTENs on a connection checked out of the pool while at least one
 * subscription runs, and reconnects with backoff when the connection drops.
 * While it is down, subscriptions still poll at their fallback interval.
 */
export function createListener(options: ListenerOptions): Listener {
  const { pool, channel, ownPayload, onWake } = options;
  const minRetryMs = options.minRetryMs ?? 100;
  const maxRetryMs = options.maxRetryMs ?? 5_000;
  let users = 0;
  let closed = false;
  let client: PgClientLike | undefined;
  let session = 0; // bumps whenever the current connection attempt is abandoned
  let retryMs = minRetryMs;
  let timer: NodeJS.Timeout | undefined;

  const onNotification = (message: PgNotification): void => {
    if (message.channel === channel && message.payload !== ownPayload) onWake();
  };

  function drop(): void {
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
      if (users === 1 && !closed) void connect();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        users--;
        if (users === 0) drop();
      };
    },
    close() {
      closed = true;
      drop();
    },
  };
}
