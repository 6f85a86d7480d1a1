import { StoreUnavailableError } from '@chronicle/core';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/**
 * Opens a connection that reconnects forever (every 250 ms, to any server of
 * the list or the cluster): the store rides out restarts and failovers, and
 * operations in flight retry until their own budget runs out.
 */
export async function connectToNats(servers: string | readonly string[], timeoutMs: number): Promise<NatsConnection> {
  const list = typeof servers === 'string' ? [servers] : [...servers];
  try {
    return await connect({
      servers: list,
      name: 'chronicle',
      timeout: timeoutMs,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
    });
  } catch (error) {
    throw new StoreUnavailableError(`cannot connect to NATS at ${list.join(', ')}: ${(error as Error).message}`, false, { cause: error });
  }
}
