import { connect, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import type { Logger } from '@chronicle/core';

/** Reconnection backoff: exponential from `initialDelayMs` to `maxDelayMs`, with jitter; it never gives up. */
export type ReconnectOptions = {
  /** Delay before the first retry (default 100 ms). */
  readonly initialDelayMs?: number;
  /** Longest delay between retries (default 5 s). */
  readonly maxDelayMs?: number;
};

/** Counters of one recovering connection. */
export type ConnectionCounters = { connected: boolean; connects: number; disconnects: number; lastError?: string };

/**
 * Opens a connection that reconnects by itself (amqplib's recovery), without waiting for the first connection: a
 * broker that is down at start is retried while the caller goes on. Channels are created per connection by the
 * caller, who must create them again after a reconnect, or by `setup`, which runs at each connect.
 */
export async function openConnection(
  url: string,
  reconnect: ReconnectOptions | undefined,
  logger: Logger,
  label: string,
  setup?: (connection: ChannelModel) => Promise<void>,
): Promise<{ readonly model: RecoveringChannelModel; readonly counters: ConnectionCounters }> {
  const counters: ConnectionCounters = { connected: false, connects: 0, disconnects: 0 };
  const model = await connect(url, {
    recovery: {
      waitForConnect: false,
      initialDelay: reconnect?.initialDelayMs ?? 100,
      maxDelay: reconnect?.maxDelayMs ?? 5_000,
      maxRetries: Number.POSITIVE_INFINITY,
      // Runs on every (re)connect before the connection is handed out; a failure closes it and retries.
      ...(setup ? { setup } : {}),
    },
  });
  model.on('connect', () => {
    counters.connected = true;
    counters.connects++;
    if (counters.connects > 1) logger.info({ broker: label, connects: counters.connects }, 'reconnected to RabbitMQ');
  });
  model.on('disconnect', (error: Error) => {
    counters.connected = false;
    counters.disconnects++;
    counters.lastError = error.message;
    logger.warn({ broker: label, err: error.message }, 'RabbitMQ connection lost; reconnecting');
  });
  model.on('connect-failed', (error: Error) => {
    counters.lastError = error.message;
  });
  // Connection errors are followed by 'disconnect'; without a listener an 'error' event would crash the process.
  model.on('error', (error: Error) => {
    counters.lastError = error.message;
  });
  return { model, counters };
}
