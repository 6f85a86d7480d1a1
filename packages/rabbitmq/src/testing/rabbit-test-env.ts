import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { tcpReachable } from '@chronicle/core/testing';

const run = promisify(execFile);

/** The machine's RabbitMQ (override with CHRONICLE_TEST_RABBITMQ=host:port). */
export const rabbitHostPort = process.env.CHRONICLE_TEST_RABBITMQ ?? '127.0.0.1:5672';

async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout;
}

/** A vhost of the test's own on the machine's RabbitMQ; the broker itself is never reconfigured. */
export type TestVhost = {
  readonly name: string;
  /** `amqp://guest:guest@host:port/<vhost>` */
  readonly url: string;
  /** The same vhost's URL at another port (e.g. a proxy's, or one where nothing listens). */
  urlAt(port: number): string;
  /** Closes every client connection of this vhost from the server side, as a broker restart would. */
  closeConnections(): Promise<void>;
  /** Number of messages ready in a queue of this vhost. */
  queueDepth(queue: string): Promise<number>;
  dispose(): Promise<void>;
};

/**
 * Creates a fresh vhost (with `rabbitmqctl add_vhost`, guest's permissions on it). Undefined with a visible
 * warning when RabbitMQ or rabbitmqctl is missing; under `CI=true` that fails the test file instead.
 */
export async function testVhost(label: string): Promise<TestVhost | undefined> {
  const missing = (why: string): undefined => {
    if (process.env.CI === 'true') throw new Error(`RabbitMQ is required under CI=true: ${why}`);
    console.warn(`[${label}] skipped: ${why}`);
    return undefined;
  };
  const [host, brokerPort] = rabbitHostPort.split(':');
  if (!(await tcpReachable(host!, Number(brokerPort)))) return missing(`nothing listens at ${rabbitHostPort}`);
  const name = `chronicle-test-${label}-${randomBytes(4).toString('hex')}`;
  try {
    await rabbitmqctl('add_vhost', name);
    await rabbitmqctl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
  } catch (error) {
    return missing(`rabbitmqctl could not create a vhost: ${String(error)}`);
  }
  const urlAt = (port: number) => `amqp://guest:guest@${host}:${port}/${encodeURIComponent(name)}`;
  return {
    name,
    url: `amqp://guest:guest@${rabbitHostPort}/${encodeURIComponent(name)}`,
    urlAt,
    async closeConnections() {
      await rabbitmqctl('close_all_connections', '-p', name, 'test: connection closed by the server');
    },
    async queueDepth(queue) {
      const out = await rabbitmqctl('list_queues', '-p', name, '--no-table-headers', 'name', 'messages_ready');
      for (const line of out.split('\n')) {
        const [q, n] = line.trim().split(/\s+/);
        if (q === queue) return Number(n);
      }
      return 0;
    },
    async dispose() {
      await rabbitmqctl('delete_vhost', name).catch(() => undefined);
    },
  };
}
