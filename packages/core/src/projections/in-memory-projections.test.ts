import { describeProjectionStore } from '../conformance/index.js';
import { createInMemoryStore } from '../store/in-memory-store.js';

describeProjectionStore('in-memory', ({ projections }) => createInMemoryStore({ ...(projections ? { projections } : {}) }), {
  skip: {
    'idempotency: outcomes survive a restart — appended, no-op and rejection are replayed, nothing is appended again':
      'in-memory data does not survive a restart (each instance is its own database)',
  },
});
