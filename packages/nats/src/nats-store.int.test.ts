import { describeEventStore } from '@chronicle/core/conformance';
import { describe, it } from 'vitest';
import { createNatsStore } from './nats-store.js';
import { deleteStreams, testNats, uniqueLayout } from './test-support/nats-test-env.js';

const url = await testNats('NATS conformance suite');
if (url) {
  const layout = uniqueLayout('conformance');
  describeEventStore('nats', () => createNatsStore({ servers: url, ...layout }), {
    afterAll: () => deleteStreams(url, layout.stream),
  });
} else {
  describe.skip('event store conformance: nats (NATS not reachable)', () => it('needs NATS', () => {}));
}
