import { describeProjectionStore } from '../conformance/index.js';
import { createInMemoryStore } from '../store/in-memory-store.js';

describeProjectionStore('in-memory', ({ projections }) => createInMemoryStore({ ...(projections ? { projections } : {}) }));
