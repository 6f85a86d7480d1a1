import { describeEventStore } from '../conformance/index.js';
import { createInMemoryStore } from './in-memory-store.js';

describeEventStore('in-memory', () => createInMemoryStore());
