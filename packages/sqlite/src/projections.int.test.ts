import { beforeEach } from 'vitest';
import { describeProjectionStore } from '@chronicle/core/conformance';
import { createSqliteStore } from './sqlite-store.js';
import { tempDir } from './test-support/temp-dir.js';

const files = tempDir('chronicle-projections');
// One file per case; every instance a case opens (a "restart", a store with inline projections) shares it.
let path = files.file();
beforeEach(() => {
  path = files.file();
});

describeProjectionStore('sqlite', ({ projections }) => createSqliteStore({ path, ...(projections ? { projections } : {}) }));

// A private in-memory database per instance: same contract, except that a "restart" opens a new, empty database.
describeProjectionStore('sqlite :memory:', ({ projections }) => createSqliteStore({ path: ':memory:', ...(projections ? { projections } : {}) }), {
  skip: {
    'idempotency: outcomes survive a restart — appended, no-op and rejection are replayed, nothing is appended again':
      'each :memory: store is its own database, so nothing survives a restart',
    'a lease is exclusive across store instances sharing a database, and passes on once released':
      'each :memory: store is its own database, so instances share nothing',
  },
});
