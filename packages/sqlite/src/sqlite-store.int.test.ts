import { describeEventStore } from '@chronicle/core/conformance';
import { createSqliteStore } from './sqlite-store.js';
import { tempDir } from './test-support/temp-dir.js';

const files = tempDir('chronicle-conformance');

// A new file per case: a case that reads the whole log from the start does not wade through the others' events.
describeEventStore('sqlite', () => createSqliteStore({ path: files.file() }), { afterAll: files.remove });

// A private in-memory database per case: same contract, no WAL, no file.
describeEventStore('sqlite :memory:', () => createSqliteStore({ path: ':memory:' }));
