import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PG_URL, adminQuery, urlForDatabase, type SuiteHooks } from './test-database.js';

/** What a {@link useNoisyNeighbour} fixture did, for tests that want to show it was really there. */
export type NoisyNeighbour = {
  /** Ids (xid8, as text) of the write transactions held open for the whole file: one per place. */
  readonly heldXids: () => readonly string[];
  /** Short write transactions committed so far, all places together. */
  readonly shortTransactions: () => number;
};

type Place = { readonly label: string; readonly url: string; readonly table: string };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(url: string, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  client.on('error', () => undefined);
  await client.connect();
  // A server-wide idle_in_transaction_session_timeout must not end the held transaction early.
  await client.query('set idle_in_transaction_session_timeout = 0');
  return client;
}

/**
 * Other tenants of the server, busy while the calling test file runs: in a
 * database of its own (created here, dropped afterwards) and in a plain table
 * of the test database outside any Chronicle schema, each place has one write
 * transaction held open from `beforeAll` to `afterAll`, and a loop of short
 * write transactions (1-10 ms open, one after another). Chronicle's readers
 * must neither wait for them nor skip anything because of them.
 *
 * `afterAll` checks that the held transactions were still open at the end and
 * that the loops ran, and fails the file if not, so a fixture that silently
 * stopped cannot make a suite pass vacuously. Everything is named
 * `chr_neighbour_<random>`, so concurrent runs do not collide.
 */
export function useNoisyNeighbour(hooks: SuiteHooks): NoisyNeighbour {
  const id = randomUUID().replaceAll('-', '').slice(0, 12);
  const database = `chr_neighbour_${id}`;
  const schema = `chr_neighbour_${id}`;
  const places: Place[] = [
    { label: 'other database', url: urlForDatabase(database), table: 'noise' },
    { label: 'same database, plain table', url: PG_URL, table: `"${schema}".noise` },
  ];
  const clients: pg.Client[] = [];
  const held: { client: pg.Client; xid: string; pid: number; place: string }[] = [];
  const loops: Promise<void>[] = [];
  let running = true;
  let committed = 0;
  let loopFailure: unknown;

  async function loop(place: Place): Promise<void> {
    const client = await connect(place.url, 'chronicle-test-neighbour');
    clients.push(client);
    while (running) {
      try {
        await client.query('begin');
        await client.query(`insert into ${place.table} (note) values ('short')`);
        await client.query(`select pg_sleep(${(1 + Math.random() * 9) / 1000})`);
        await client.query('commit');
        committed++;
      } catch (error) {
        if (running) loopFailure ??= error;
        return;
      }
      await sleep(Math.random() * 5);
    }
  }

  hooks.beforeAll(async () => {
    await adminQuery(`create database "${database}"`);
    await adminQuery(`create table noise (id bigserial primary key, note text not null)`, [], urlForDatabase(database));
    await adminQuery(`create schema "${schema}"; create table "${schema}".noise (id bigserial primary key, note text not null)`);
    for (const place of places) {
      const client = await connect(place.url, 'chronicle-test-neighbour-held');
      clients.push(client);
      await client.query('begin');
      await client.query(`insert into ${place.table} (note) values ('held for the whole file')`);
      const { rows } = await client.query<{ xid: string; pid: number }>('select pg_current_xact_id()::text as xid, pg_backend_pid() as pid');
      held.push({ client, xid: rows[0]!.xid, pid: rows[0]!.pid, place: place.label });
    }
    for (const place of places) loops.push(loop(place));
  }, 60_000);

  hooks.afterAll(async () => {
    running = false;
    await Promise.all(loops);
    const problems: string[] = [];
    if (loopFailure) problems.push(`a short-transaction loop failed: ${String(loopFailure)}`);
    if (held.length === places.length && committed === 0) problems.push('no short transaction committed');
    if (held.length > 0) {
      const { rows } = await adminQuery(
        `select pid from pg_stat_activity where pid = any($1::int[]) and backend_xid is not null and state = 'idle in transaction'`,
        [held.map((h) => h.pid)],
      );
      const open = new Set(rows.map((row: { pid: number }) => row.pid));
      for (const h of held) if (!open.has(h.pid)) problems.push(`the held transaction in the ${h.place} (xid ${h.xid}) ended early`);
    }
    for (const client of clients) await client.end().catch(() => undefined);
    await adminQuery(`drop database if exists "${database}" with (force)`).catch((error: unknown) => problems.push(`drop database: ${String(error)}`));
    await adminQuery(`drop schema if exists "${schema}" cascade`);
    if (problems.length > 0) throw new Error(`noisy neighbour: ${problems.join('; ')}`);
  });

  return { heldXids: () => held.map((h) => h.xid), shortTransactions: () => committed };
}
