import { describeProjectionStore } from '../conformance/index.js';
import { createInMemoryStore } from '../store/in-memory-store.js';

describeProjectionStore('in-memory', ({ projections }) => createInMemoryStore({ ...(projections ? { projections } : {}) }), {
  skip: {
    'idempotency: outcomes survive a restart — appended, no-op and rejection are replayed, nothing is appended again':
      'in-memory data does not survive a restart (each instance is its own database)',
    'a lease is exclusive across store instances sharing a database, and passes on once released':
      'each in-memory store is its own database (nothing is shared between instances)',
  },
});
