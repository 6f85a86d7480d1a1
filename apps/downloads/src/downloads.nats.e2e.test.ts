import { afterAll, describe } from 'vitest';
import { downloadsScenarios } from './downloads-scenarios.js';
import { natsStores, natsUrl } from './test-support/nats.js';

const url = natsUrl('downloads over HTTP');

describe.skipIf(!url)('downloads over HTTP: NATS JetStream (fresh streams per scenario)', () => {
  const stores = natsStores(url!, 'downloads');
  afterAll(() => stores.dispose());
  downloadsScenarios(() => stores.open());
});
