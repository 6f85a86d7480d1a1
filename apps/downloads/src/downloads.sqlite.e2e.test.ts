import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventStore, StoreWithProjections } from '@chronicle/core';
import { createSqliteStore } from '@chronicle/sqlite';
import { afterAll, describe } from 'vitest';
import { downloadsScenarios } from './downloads-scenarios.js';

describe('downloads over HTTP: SQLite (a temporary file per scenario)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'downloads-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let files = 0;
  downloadsScenarios(async () => createSqliteStore({ path: path.join(dir, `downloads-${files++}.db`) }) as EventStore & StoreWithProjections<unknown>);
});
