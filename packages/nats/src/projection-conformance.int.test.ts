import { describeProjectionStore, projectionCases, type ProjectionStore } from '@chronicle/core/conformance';
import { afterAll, describe, it } from 'vitest';
import { createNatsStore } from './nats-store.js';
import { deleteStreams, testNats, uniqueLayout } from './test-support/nats-test-env.js';

const url = await testNats('NATS projection conformance suite');

/**
 * Inline projections cannot exist on NATS: the store refuses them. The cases
 * that use one are skipped; projection-host.int.test.ts covers the refusal and
 * public events translated by an async runner instead, delivered by the relay.
 */
const inline = Object.fromEntries(
  projectionCases
    .filter((c) => /^inline projection|^public events go to the outbox|^outbox relay/.test(c.name))
    .map((c) => [c.name, 'inline projections are refused on NATS (no transaction spans the events and the KV bucket)']),
);

if (url) {
  const layouts: string[] = [];
  afterAll(async () => {
    for (const stream of layouts) await deleteStreams(url, stream);
  });
  let current = uniqueLayout('projections');
  let open = 0;
  // One layout per case, like one schema per case on PostgreSQL (tier cases count "everything older than t").
  describeProjectionStore(
    'nats',
    async ({ projections }) => {
      if (open === 0) {
        current = uniqueLayout('projections');
        layouts.push(current.stream);
      }
      const store = await createNatsStore({ servers: url, ...current, ...(projections ? { projections } : {}) });
      open++;
      const close = store.close.bind(store);
      return Object.assign(store, {
        close: async () => {
          open--;
          await close();
        },
      }) as ProjectionStore;
    },
    { skip: inline },
  );
} else {
  describe.skip('projection conformance: nats (NATS not reachable)', () => it('needs NATS', () => undefined));
}
