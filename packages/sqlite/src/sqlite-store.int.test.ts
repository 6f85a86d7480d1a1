import { describeEventStore } from '@chronicle/core/conformance';
import { createSqliteStore } from './sqlite-store.js';
import { tempDir } from './test-support/temp-dir.js';

const files = tempDir('chronicle-conformance');

// Every case opens its own store on one shared file, as several parts of an application would.
const shared = files.file('shared.db');
describeEventStore('sqlite', () => createSqliteStore({ path: shared }), { afterAll: files.remove });

// A private in-memory database per case: same contract, no WAL, no file.
describeEventStore('sqlite :memory:', () => createSqliteStore({ path: ':memory:' }));
