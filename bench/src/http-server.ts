/**
 * Child process of the HTTP benchmark: the Downloads service on a store, plus
 * one trivial route (`GET /bench/ping`) on the same Fastify server as the HTTP
 * ceiling. Prints `ready <url>` once listening; stops on SIGTERM.
 *
 * Usage: node --conditions=@chronicle/source --import tsx http-server.ts sqlite <file> | postgres <url> <schema>
 *   | nats <url,url,...> <stream> (R3 streams on a 3-node cluster)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type EventStore, type StoreWithProjections } from '@chronicle/core';
import { createDownloadsApp, defaultRules } from '@chronicle/downloads';
import { createNatsStore } from '@chronicle/nats';
import { createPostgresStore } from '@chronicle/postgres';
import { createSqliteStore } from '@chronicle/sqlite';

const [kind, target, schema] = process.argv.slice(2);
async function open(): Promise<EventStore & StoreWithProjections<unknown>> {
  if (kind === 'sqlite') return createSqliteStore({ path: target! }) as EventStore & StoreWithProjections<unknown>;
  if (kind === 'nats') {
    const servers = target!.split(',');
    const options = { servers, stream: schema!, subjectPrefix: schema!.toLowerCase(), replicas: servers.length };
    return (await createNatsStore(options)) as EventStore & StoreWithProjections<unknown>;
  }
  const options = { connectionString: target!, schema: schema!, applicationName: 'chronicle-bench-http' };
  return (await createPostgresStore(options)) as EventStore & StoreWithProjections<unknown>;
}
const store = await open();
const dataDir = mkdtempSync(join(tmpdir(), 'bench-http-'));
const downloads = await createDownloadsApp({
  store,
  token: 'bench-token',
  dataDir,
  rulesSeed: defaultRules,
  appLogger: silentLogger,
  plugins: [(app) => void app.get('/bench/ping', async () => ({ ok: true }))],
});
const url = await downloads.app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`ready ${url}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    await downloads.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  })();
});
