import { describeEventStore } from '@chronicle/core/conformance';
import { describe, it } from 'vitest';
import { createNatsStore } from './nats-store.js';
import { deleteStreams, machineNats, uniqueLayout } from './test-support/nats-test-env.js';

const url = await machineNats('NATS conformance suite');
if (url) {
  const layout = uniqueLayout('conformance');
  describeEventStore('nats', () => createNatsStore({ servers: url, ...layout }), {
    afterAll: () => deleteStreams(url, layout.stream),
  });
} else {
  describe.skip('event store conformance: nats (NATS not reachable)', () => it('needs NATS', () => {}));
}
