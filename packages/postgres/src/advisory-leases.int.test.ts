import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from './postgres-store.js';
import { adminQuery } from './testing.js';
import { dropSchema, pgAvailable, testPool, testSchema } from './test/pg-test-support.js';

const available = await pgAvailable();

describe.skipIf(!available)('projection leases on PostgreSQL: session advisory locks', () => {
  const schema = testSchema('leases');
  const holderPool = testPool();
  const standbyPool = testPool();
  afterAll(async () => {
    await holderPool.end();
    await standbyPool.end();
    await dropSchema(schema);
  });

  it('a lease ends with its holder\'s connection: the standby takes it at once, the old holder learns it lost it', async () => {
    const holder = await createPostgresStore({ pool: holderPool, schema });
    const standby = await createPostgresStore({ pool: standbyPool, schema });
    /**
     * The server ends a terminated or closed session within moments: the standby tries until then. The bound
     * is generous (a loaded server may take a while to schedule the exiting backend): the point is that the
     * standby does not wait for the lease's 60 s TTL.
     */
    const takenWithin = async (ms: number): Promise<boolean> => {
      for (const started = Date.now(); Date.now() - started < ms; await new Promise((resolve) => setTimeout(resolve, 20))) {
        if (await standby.projections.leases.acquire('popularity', 'standby', 60_000)) return true;
      }
      return false;
    };
    try {
      expect(await holder.projections.leases.acquire('popularity', 'holder', 60_000)).toBe(true);
      expect(await standby.projections.leases.acquire('popularity', 'standby', 60_000)).toBe(false);
      // What a SIGKILL does to the holder's sessions: they end; the TTL (60 s) does not matter.
      const killed = await adminQuery(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
        [holderPool.applicationName],
      );
      expect(killed.rowCount).toBeGreaterThan(0);
      expect(await takenWithin(10_000)).toBe(true);
      // The old holder's renewal fails (its session is gone) and it does not get the lease back.
      await holder.projections.leases.acquire('popularity', 'holder', 60_000).then(
        (renewed) => expect(renewed).toBe(false),
        (error: unknown) => expect((error as { code?: string }).code).toBe('STORE_UNAVAILABLE'),
      );
      expect(await holder.projections.leases.acquire('popularity', 'holder', 60_000)).toBe(false);
      await standby.projections.leases.release('popularity', 'standby');
      expect(await holder.projections.leases.acquire('popularity', 'holder', 60_000)).toBe(true);
      // Closing the store ends the session, and with it the lease.
      await holder.close();
      expect(await takenWithin(10_000)).toBe(true);
    } finally {
      await holder.close();
      await standby.close();
    }
  });
});
