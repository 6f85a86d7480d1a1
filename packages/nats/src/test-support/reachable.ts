import { Socket } from 'node:net';
import { connect } from '@nats-io/transport-node';

/**
 * True when something accepts TCP connections at the NATS URL's host and port. Kept apart from core's `tcpReachable`:
 * the run's global setup calls it, and there `@chronicle/core/testing` resolves to `dist/`, which may not be built.
 */
export function reachable(url: string, timeoutMs = 1_000): Promise<boolean> {
  const { hostname, port } = new URL(url.replace(/^nats:/, 'http:'));
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || 4222), hostname, () => done(true));
  });
}

/** The version of the nats-server at `url`, or undefined when none answers there. */
export async function serverVersionAt(url: string): Promise<string | undefined> {
  if (!(await reachable(url))) return undefined;
  const nc = await connect({ servers: url, timeout: 2_000, maxReconnectAttempts: 0 }).catch(() => undefined);
  if (!nc) return undefined;
  try {
    return nc.info?.version;
  } finally {
    await nc.close();
  }
}
