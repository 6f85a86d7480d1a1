import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageType, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** One node of a {@link NatsCluster}. */
export type NatsClusterNode = {
  readonly name: string;
  readonly url: string;
  readonly storeDir: string;
  readonly logFile: string;
};

/** A throwaway JetStream cluster on loopback ports, for tests and benchmarks. */
export type NatsCluster = {
  readonly nodes: readonly NatsClusterNode[];
  /** Client URLs of every node. */
  readonly urls: readonly string[];
  /** Whether the node's process is running. */
  running(name: string): boolean;
  /** Sends `signal` (default SIGKILL) to a node and waits for it to exit. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** The node that leads JetStream stream `stream` now (waits through an election, up to 30 s). */
  leaderOf(stream: string): Promise<string>;
  /** Starts a stopped node again with the same ports and storage; resolves once it accepts clients. */
  restart(name: string): Promise<void>;
  /** Stops every node and deletes the storage. */
  stop(): Promise<void>;
};

/** Options of {@link startNatsCluster}. */
export type NatsClusterOptions = {
  /** Path of a nats-server (see `findNatsServer`; 2.10+ for clusters, 2.12+ for everything the store offers). */
  readonly binary: string;
  /** Number of nodes (default 3; 1 starts a standalone server). */
  readonly size?: number;
  /** Resolve once JetStream can place a stream on every node; default true. */
  readonly waitForJetStream?: boolean;
  /** Folder the nodes' storage goes under (default the OS temp folder); e.g. `/dev/shm` for tests that need no disk. */
  readonly storageRoot?: string;
};

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Free ports below the kernel's ephemeral range (32768+ on Linux): a port
 * handed out by `listen(0)` can be taken, before the node binds it, as the
 * source port of some outgoing connection, such as another node's route.
 */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!ports.has(port) && (await bindable(port))) ports.add(port);
  }
  return [...ports];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 100 ms until it returns a value (errors count as not yet), or fails after `timeoutMs` naming `what`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** True once a stream replicated on every node can be created: a meta leader exists and knows all peers. */
async function jetStreamReady(urls: readonly string[]): Promise<boolean | undefined> {
  const nc = await connect({ servers: [...urls], timeout: 5_000 });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 5_000 });
    const name = `READY_PROBE_${process.pid}`;
    await jsm.streams.add({ name, subjects: [`ready-probe.${process.pid}`], num_replicas: urls.length, storage: StorageType.Memory });
    await jsm.streams.delete(name);
    return true;
  } finally {
    await nc.close();
  }
}

/**
 * Starts a JetStream cluster of `size` nodes on free loopback ports, each with
 * its own storage directory under a fresh temp folder and a log file there.
 *
 * @example
 * const cluster = await startNatsCluster({ binary: findNatsServer()!.path });
 * const store = await createNatsStore({ servers: cluster.urls, replicas: 3 });
 */
export async function startNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  // A cluster forms in ~6 s here; one that has not placed a stream in 30 s is started again,
  // on fresh ports and storage, rather than waited on.
  const failures: string[] = [];
  for (let attempt = 1; attempt <= FORMATION_ATTEMPTS; attempt++) {
    try {
      return await startOnce(options, 30_000);
    } catch (error) {
      failures.push(`attempt ${attempt}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no JetStream cluster after ${FORMATION_ATTEMPTS} attempts\n${failures.join('\n')}`);
}

const FORMATION_ATTEMPTS = 3;

async function startOnce(options: NatsClusterOptions, readyTimeoutMs: number): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const root = await mkdtemp(join(options.storageRoot ?? tmpdir(), 'chronicle-nats-cluster-'));
  const ports = await freePorts(size * 2);
  const nodes = Array.from({ length: size }, (_, i) => ({
    name: `n${i + 1}`,
    url: `nats://127.0.0.1:${ports[i]}`,
    clientPort: ports[i]!,
    routePort: ports[size + i]!,
    storeDir: join(root, `n${i + 1}`),
    logFile: join(root, `n${i + 1}.log`),
  }));
  const processes = new Map<string, ChildProcess>();

  function launch(node: (typeof nodes)[number]): void {
    // Each pair of nodes has exactly one dialer: a node dials the nodes before it, the first one only
    // itself (which the server ignores, but JetStream refuses to cluster without a configured route).
    // When both sides of a pair dial at once, nats-server 2.10 can close both connections as
    // duplicates and JetStream then never learns of the peer ("no suitable peers for placement"):
    // 1 start in ~25 with a full mesh of routes.
    const index = nodes.indexOf(node);
    const routes = nodes.slice(0, Math.max(index, 1)).map((n) => `nats://127.0.0.1:${n.routePort}`);
    const args = ['-a', '127.0.0.1', '-p', String(node.clientPort), '-n', node.name, '-js', '-sd', node.storeDir];
    if (size > 1) args.push('--cluster_name', 'chronicle-test', '--cluster', `nats://127.0.0.1:${node.routePort}`, '--routes', routes.join(','));
    // The node writes its log straight into the file: piping both streams into one write stream
    // from here ends it with whichever stream closes first, and the other's next write then throws.
    const log = openSync(node.logFile, 'a');
    try {
      processes.set(node.name, spawn(options.binary, args, { stdio: ['ignore', log, log] }));
    } finally {
      closeSync(log);
    }
  }

  function nodeNamed(name: string): (typeof nodes)[number] {
    const node = nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  async function kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = processes.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  const cluster: NatsCluster = {
    nodes: nodes.map(({ name, url, storeDir, logFile }) => ({ name, url, storeDir, logFile })),
    urls: nodes.map((n) => n.url),
    running: (name) => {
      const child = processes.get(name);
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    kill,
    async leaderOf(stream) {
      const servers = nodes.filter((n) => cluster.running(n.name)).map((n) => n.url);
      const nc = await connect({ servers, timeout: 5_000 });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 5_000 });
        const leader = async () => (await jsm.streams.info(stream)).cluster?.leader;
        return await until(`a leader of ${stream}`, 30_000, leader);
      } finally {
        await nc.close();
      }
    },
    async restart(name) {
      const node = nodeNamed(name);
      await kill(name);
      launch(node);
      await until(`${name} to accept clients`, 30_000, async () => {
        const nc = await connect({ servers: node.url, timeout: 2_000, maxReconnectAttempts: 0 });
        await nc.close();
        return true;
      });
    },
    async stop() {
      await Promise.all(nodes.map((n) => kill(n.name)));
      await rm(root, { recursive: true, force: true });
    },
  };

  try {
    for (const node of nodes) launch(node);
    if (options.waitForJetStream ?? true) {
      await until('JetStream to place a stream on every node', readyTimeoutMs, async () => {
        const exited = nodes.find((n) => !cluster.running(n.name));
        if (exited) throw new Error(`node ${exited.name} exited`);
        return jetStreamReady(cluster.urls);
      });
    }
    return cluster;
  } catch (error) {
    // The logs go with the temp folder: keep their ends in the error.
    const logs = await Promise.all(nodes.map(async (n) => `--- ${n.name}\n${(await readFile(n.logFile, 'utf8').catch(() => '')).split('\n').slice(-8).join('\n')}`));
    await cluster.stop();
    throw new Error(`${(error as Error).message}\n${logs.join('\n')}`, { cause: error });
  }
}
