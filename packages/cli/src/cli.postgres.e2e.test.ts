import { createPostgresStore } from '@chronicle/postgres';
import { afterAll, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeCliSuite, type CliBackend } from './test-support/cli-suite.js';
import { describeOpsSuite } from './test-support/ops-suite.js';
import { PG_URL, adminQuery, dropSchema, pgAvailable, testSchema } from '@chronicle/postgres/testing';

const available = await pgAvailable('@chronicle/cli');
const schemas: string[] = [];

/** Runs SQL against the test database (raw damage for `verify`). */
const sql = async (text: string, values: readonly unknown[]): Promise<void> => void (await adminQuery(text, values));
const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-cli-pg-'));
const postgres: CliBackend = {
    name: 'PostgreSQL',
    async create(label) {
      const schema = testSchema(label);
      schemas.push(schema);
      const open = () => createPostgresStore({ connectionString: PG_URL, schema, maxConnections: 2 });
      await (await open()).close();
      return {
        args: ['--pg', PG_URL, '--schema', schema, '--cold', path.join(dir, schema)],
        coldDir: path.join(dir, schema),
        open,
        removeEvent: (streamId, streamPosition) => sql(`delete from "${schema}".events where stream_id = $1 and stream_position = $2`, [streamId, streamPosition]),
        setVersion: (streamId, version) => sql(`update "${schema}".streams set version = $1 where stream_id = $2`, [version, streamId]),
      };
    },
    async cleanup() {
      for (const schema of schemas.splice(0)) await dropSchema(schema);
    },
};

describeCliSuite(postgres, () => available);
describeOpsSuite(postgres, () => available);
