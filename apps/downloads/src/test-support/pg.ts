import { randomUUID } from 'node:crypto';
import { adminQuery, urlForDatabase, pgAvailable as available, runExclusively as runExclusivelyWith, useNoisyNeighbour, type NoisyNeighbour } from '@chronicle/postgres/testing';
import { afterAll, beforeAll } from 'vitest';

export { PG_URL, adminQuery, dropSchema, testSchema, urlForDatabase } from '@chronicle/postgres/testing';

/** Whether PostgreSQL answers (throws under `CI=true` when it does not). */
export const pgAvailable = (): Promise<boolean> => available('@chronicle/downloads');

/** Runs this test file alone among the repository's PostgreSQL test files (see `@chronicle/postgres/testing`). */
export function runExclusively(): void {
  runExclusivelyWith({ beforeAll, afterAll });
}

/** Other tenants of the server keep write transactions open during this file (see `@chronicle/postgres/testing`). */
export function useNeighbour(): NoisyNeighbour {
  return useNoisyNeighbour({ beforeAll, afterAll });
}

/** A database of its own for one test file: what `npm start` uses (the default schema), and free to take down. */
export type ThrowawayDatabase = {
  readonly name: string;
  /** Its connection URL. */
  readonly url: string;
  /** `false`: the server refuses new connections to it (an outage); `true` lets them in again. */
  allowConnections(allow: boolean): Promise<void>;
  /** Ends every session on it (what a crash of the server or the network does to clients). */
  terminateSessions(): Promise<void>;
};

/** Creates a database for the calling file before its tests and drops it after them. */
export function useThrowawayDatabase(label: string): ThrowawayDatabase {
  const name = `chronicle_${label}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const allowConnections = async (allow: boolean): Promise<void> => {
    await adminQuery(`alter database "${name}" allow_connections ${allow}`);
  };
  beforeAll(() => adminQuery(`create database "${name}"`));
  afterAll(async () => {
    await allowConnections(true).catch(() => undefined);
    await adminQuery(`drop database if exists "${name}" with (force)`);
  });
  return {
    name,
    url: urlForDatabase(name),
    allowConnections,
    async terminateSessions() {
      await adminQuery('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    },
  };
}
