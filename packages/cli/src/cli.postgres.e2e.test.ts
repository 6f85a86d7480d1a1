import { createPostgresStore } from '@chronicle/postgres';
import { afterAll, beforeAll } from 'vitest';
import { describeCliSuite } from './test-support/cli-suite.js';
import { PG_URL, pgAvailable, runExclusively, sql, testSchema } from './test-support/pg.js';

const available = await pgAvailable();
const schemas: string[] = [];
if (available) runExclusively({ beforeAll, afterAll });

describeCliSuite(
  {
    name: 'PostgreSQL',
    async create(label) {
      const schema = testSchema(label);
      schemas.push(schema);
      const open = () => createPostgresStore({ connectionString: PG_URL, schema, maxConnections: 2 });
      await (await open()).close();
      return {
        args: ['--pg', PG_URL, '--schema', schema],
        open,
        removeEvent: (streamId, streamPosition) => sql(`delete from "${schema}".events where stream_id = $1 and stream_position = $2`, [streamId, streamPosition]),
      };
    },
    async cleanup() {
      for (const schema of schemas) await sql(`drop schema if exists "${schema}" cascade`);
    },
  },
  () => available,
);
