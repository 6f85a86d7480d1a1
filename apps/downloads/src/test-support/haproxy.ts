import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The deployment guide's load-balancer config, run as it is. */
export const HAPROXY_CONFIG = fileURLToPath(new URL('../../../../docs/deploy/haproxy.cfg', import.meta.url));

/**
 * Whether Debian's haproxy is installed (`.ci/setup.d/haproxy.sh` installs it). Under `CI=true` a
 * missing one throws; elsewhere it says SKIPPING and returns false.
 */
export function haproxyAvailable(): boolean {
  const found = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  if (found.status === 0) return true;
  if (process.env.CI === 'true') throw new Error('haproxy is required under CI=true (.ci/setup.d/haproxy.sh installs it)');
  console.warn('\n[@chronicle/downloads] SKIPPING the load-balancer test: haproxy is not installed (apt-get install haproxy)\n');
  return false;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** HAProxy with docs/deploy/haproxy.cfg in front of three instances (`host:port` each). */
export type Balancer = { readonly url: string; readonly child: ChildProcess; output(): string; stop(): Promise<void> };

export async function startHaproxy(backends: readonly [string, string, string]): Promise<Balancer> {
  const port = await freePort();
  const env = { ...process.env, DOWNLOADS_LB_BIND: `127.0.0.1:${port}`, DOWNLOADS_I1: backends[0], DOWNLOADS_I2: backends[1], DOWNLOADS_I3: backends[2] };
  const child = spawn('haproxy', ['-db', '-f', HAPROXY_CONFIG], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  for (const started = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 50))) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${output}`);
    const ok = await fetch(`${url}/health/live`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() - started > 10_000) throw new Error(`haproxy did not serve within 10 s: ${output}`);
  }
  return {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
