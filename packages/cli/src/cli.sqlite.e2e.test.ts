import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteStore } from '@chronicle/sqlite';
import { describeCliSuite, type CliBackend } from './test-support/cli-suite.js';
import { describeOpsSuite } from './test-support/ops-suite.js';

const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-cli-sqlite-'));

const sqlite: CliBackend = {
    name: 'SQLite',
    async create(label) {
      const file = path.join(dir, `${label}-${Math.random().toString(36).slice(2, 8)}.db`);
      createSqliteStore({ path: file }).close();
      return {
        args: ['--db', file, '--cold', `${file}.cold`],
        coldDir: `${file}.cold`,
        open: async () => createSqliteStore({ path: file }),
        async removeEvent(streamId, streamPosition) {
          const db = new Database(file);
          db.prepare('DELETE FROM events WHERE stream_id = ? AND stream_position = ?').run(streamId, streamPosition);
          db.close();
        },
        async setVersion(streamId, version) {
          const db = new Database(file);
          db.prepare('UPDATE streams SET version = ? WHERE stream_id = ?').run(version, streamId);
          db.close();
        },
      };
    },
};

describeCliSuite(sqlite, () => true);
describeOpsSuite(sqlite, () => true);
