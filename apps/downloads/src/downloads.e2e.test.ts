import { createInMemoryStore } from '@chronicle/core';
import { describe } from 'vitest';
import { downloadsScenarios } from './downloads-scenarios.js';

describe('downloads over HTTP: in-memory store', () => {
  downloadsScenarios(async () => createInMemoryStore());
});
