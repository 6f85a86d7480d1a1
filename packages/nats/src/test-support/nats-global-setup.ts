import { existsSync } from 'node:fs';
import { versionAtLeast } from '../version-compare.js';
import { findNatsServer, startNatsCluster, type NatsCluster } from '../testing/index.js';
import { DEFAULT_NATS_URL } from '../options.js';
import { serverVersionAt } from './reachable.js';

/**
 * Atomic batch publish (server-version.ts has it too, but imports core, which a
 * global setup cannot: it runs without the `@chronicle/source` condition).
 */
const MIN_ATOMIC_SERVER_VERSION = '2.12.0';

/** Where the test files find the NATS server they run on (set here, inherited by the test workers). */
export const TEST_NATS_URL_VARIABLE = 'CHRONICLE_TEST_NATS_URL';
/** Why there is none, when there is none. */
export const TEST_NATS_MISSING_VARIABLE = 'CHRONICLE_TEST_NATS_MISSING';

/**
 * Vitest global setup: the NATS test files need nats-server >= 2.12 (atomic
 * batch publish). `CHRONICLE_NATS_URL` (default the machine's server) is used
 * when it is that new; otherwise one standalone node of the installed
 * nats-server (`.ci/setup.d/nats-server.sh`) is started for the whole run,
 * its storage in memory-backed `/dev/shm` when there is one (staging an atomic
 * batch on a one-node file stream costs 15-20 ms of filesystem work on this
 * machine's disk; the cluster tests stage in memory like any replicated stream).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const configured = process.env.CHRONICLE_NATS_URL || DEFAULT_NATS_URL;
  const version = await serverVersionAt(configured);
  if (version && versionAtLeast(version, MIN_ATOMIC_SERVER_VERSION)) {
    process.env[TEST_NATS_URL_VARIABLE] = configured;
    return async () => undefined;
  }
  const binary = findNatsServer(MIN_ATOMIC_SERVER_VERSION);
  if (!binary) {
    process.env[TEST_NATS_MISSING_VARIABLE] =
      `${configured} runs nats-server ${version ?? '(unreachable)'} and no nats-server >= ${MIN_ATOMIC_SERVER_VERSION} is installed ` +
      '(run .ci/setup.d/nats-server.sh, or set CHRONICLE_NATS_SERVER_BIN or CHRONICLE_NATS_URL)';
    return async () => undefined;
  }
  const server: NatsCluster = await startNatsCluster({
    binary: binary.path,
    size: 1,
    ...(existsSync('/dev/shm') ? { storageRoot: '/dev/shm' } : {}),
  });
  process.env[TEST_NATS_URL_VARIABLE] = server.urls[0]!;
  return () => server.stop();
}
