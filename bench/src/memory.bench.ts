import { createInMemoryStore, fold, type EventStore } from '@chronicle/core';
import { rate, type Suite } from './scenario.js';

const SINGLE = 50_000;
const BATCHED = 200_000;

type Counted = { type: 'Counted'; data: { n: number } };
const counter = { initialState: () => 0, evolve: (state: number, event: Counted) => state + event.data.n };

async function fill(store: EventStore, streamId: string, count: number): Promise<void> {
  for (let written = 0; written < count; written += 100) {
    await store.append(streamId, Array.from({ length: 100 }, (_, i) => ({ type: 'Counted', data: { n: written + i } })), written);
  }
}

/** In-memory store against plain arrays (the floor any store pays: validation, JSON, copies). */
const memorySuite: Suite = {
  name: 'in-memory',
  scenarios: [
    {
      name: `${SINGLE / 1000}k single appends with expected version`,
      chronicle: async () => {
        const store = createInMemoryStore();
        return rate(SINGLE, 'ev/s', async () => {
          for (let i = 0; i < SINGLE; i++) await store.append('s', [{ type: 'Counted', data: { n: i } }], i);
        });
      },
      raw: async () => {
        const log: string[] = [];
        return rate(SINGLE, 'ev/s', async () => {
          for (let i = 0; i < SINGLE; i++) log.push(JSON.stringify({ type: 'Counted', data: { n: i } }));
        });
      },
    },
    {
      name: `${BATCHED / 1000}k events in appends of 100`,
      chronicle: async () => {
        const store = createInMemoryStore();
        return rate(BATCHED, 'ev/s', () => fill(store, 's', BATCHED));
      },
      raw: async () => {
        const log: string[] = [];
        return rate(BATCHED, 'ev/s', () => {
          for (let i = 0; i < BATCHED; i++) log.push(JSON.stringify({ type: 'Counted', data: { n: i } }));
        });
      },
    },
    {
      name: `read + fold one ${BATCHED / 1000}k-event stream`,
      chronicle: async () => {
        const store = createInMemoryStore();
        await fill(store, 's', BATCHED);
        let total = 0;
        const measured = await rate(BATCHED, 'ev/s', async () => {
          let state = counter.initialState();
          for await (const event of store.readStream('s')) state = counter.evolve(state, event as unknown as Counted);
          total = state;
        });
        if (total !== (BATCHED * (BATCHED - 1)) / 2) throw new Error('fold mismatch');
        return measured;
      },
      raw: async () => {
        const log = Array.from({ length: BATCHED }, (_, n) => JSON.stringify({ type: 'Counted', data: { n } }));
        return rate(BATCHED, 'ev/s', () => {
          fold(counter, log.map((line) => JSON.parse(line) as Counted));
        });
      },
    },
  ],
};

export default memorySuite;
