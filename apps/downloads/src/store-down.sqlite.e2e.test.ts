import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { createSqliteStore } from '@chronicle/sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { startDownloads } from './test-support/app.js';
import { expectFallbackThenRecovery, recordingLogger } from './test-support/outage.js';

const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');

/** Another process that opens the database and holds `BEGIN EXCLUSIVE` until it is killed. */
async function exclusiveLockHolder(file: string): Promise<ChildProcess> {
  const script = `
    const Database = require(process.argv[1]);
    const db = new Database(process.argv[2]);
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    setInterval(() => {}, 60000);`;
  const child = spawn(process.execPath, ['-e', script, betterSqlite, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  expect(chunk.toString()).toBe('locked\n');
  return child;
}

describe('store down: SQLite file locked by another process', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'downloads-down-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('POST /v1/licenses takes the fallback, the server keeps serving, and the reconciler records the licenses once the lock is gone', async () => {
    const file = path.join(dir, 'chronicle.db');
    const store = createSqliteStore({ path: file, busyTimeoutMs: 300 }) as EventStore & StoreWithProjections<unknown>;
    const log = recordingLogger();
    const d = await startDownloads(store, { reconcileEveryMs: 100, appLogger: log });
    let locker: ChildProcess | undefined;
    try {
      await expectFallbackThenRecovery(
        d,
        log,
        {
          healthWhileDown: 200,
          async down() {
            locker = await exclusiveLockHolder(file);
          },
          async up() {
            locker!.kill('SIGKILL');
            await once(locker!, 'exit');
          },
        },
        'sqlite-outage-customer',
      );
    } finally {
      if (locker && locker.exitCode === null && locker.signalCode === null) locker.kill('SIGKILL');
      await d.stop();
      await store.close();
    }
  });
});
