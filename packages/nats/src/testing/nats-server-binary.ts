import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { versionAtLeast } from '../version-compare.js';

/** Where `.ci/setup.d/nats-server.sh` installs nats-server, relative to the repository root. */
export const INSTALLED_NATS_SERVER = '.tools/nats/usr/sbin/nats-server';

/** A nats-server binary and its version. */
export type NatsServerBinary = { readonly path: string; readonly version: string };

function versionOf(path: string): string | undefined {
  try {
    const output = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return /v?(\d+\.\d+\.\d+)/.exec(output)?.[1];
  } catch {
    return undefined;
  }
}

function candidates(): string[] {
  const found: string[] = [];
  if (process.env.CHRONICLE_NATS_SERVER_BIN) found.push(process.env.CHRONICLE_NATS_SERVER_BIN);
  for (let dir = resolve(process.cwd()); ; dir = dirname(dir)) {
    found.push(join(dir, INSTALLED_NATS_SERVER));
    if (dirname(dir) === dir) break;
  }
  found.push('/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server');
  return found;
}

/**
 * Finds a nats-server of at least `minimum` (default 2.12, the first with
 * atomic batch publish, which multi-stream appends, stream deletion and the
 * projection host need): `CHRONICLE_NATS_SERVER_BIN`, then `.tools/nats/...`
 * in the working directory or a parent, then the system's.
 */
export function findNatsServer(minimum = '2.12.0'): NatsServerBinary | undefined {
  for (const path of candidates()) {
    if (!existsSync(path)) continue;
    const version = versionOf(path);
    if (version && versionAtLeast(version, minimum)) return { path, version };
  }
  return undefined;
}
