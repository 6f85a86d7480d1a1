import { expect } from 'vitest';
import type { RecordedEvent } from '../../events/event.js';
import type { Projection } from '../../projections/projection.js';
import { createProjectionRunner } from '../../projections/projection-runner.js';
import { createReactorRunner } from '../../projections/reactor.js';
import { createOutboxRelay, publicEvents } from '../../projections/outbox.js';
import { activeCollection, rebuildBlueGreen } from '../../projections/blue-green.js';
import type { StoredOutboxMessage } from '../../projections/host.js';
import { events } from '../case.js';
import { eventually, quick, type ProjectionCase } from './context.js';
import { countingProjection } from './inline-cases.js';

async function fill(append: (stream: string, n: number) => Promise<unknown>, streams: readonly string[], perStream: number): Promise<void> {
  for (let i = 0; i < perStream; i += 50) for (const stream of streams) await append(stream, Math.min(50, perStream - i));
}

/** Async projections, reactors, the outbox relay and blue-green rebuilds. */
export const runnerCases: ProjectionCase[] = [
  {
    name: 'async projection: catches up exactly once; a restart after catch-up reprocesses nothing',
    timeoutMs: 60_000,
    async run({ store, host, unique }) {
      const streams = Array.from({ length: 10 }, () => unique('s'));
      await fill((s, n) => store.append(s, events(n), 'any'), streams, 200);
      const collection = unique('counts');
      const projection = countingProjection(unique('counts'), collection);
      const first = createProjectionRunner({ store, host, projection, batchSize: 300, ...quick });
      const status = await first.catchUp();
      expect(status.position).toBe(await store.headPosition());
      for (const stream of streams) expect(await host.documents.get(collection, stream)).toEqual({ count: 200, last: 200 });
      const handled: number[] = [];
      const spy: Projection = { ...projection, handle: (batch, tx, ctx) => (handled.push(batch.length), projection.handle(batch, tx, ctx)) };
      const second = createProjectionRunner({ store, host, projection: spy, ...quick });
      const again = await second.catchUp();
      expect(handled).toEqual([]);
      expect(again.processed).toBe(0);
      for (const stream of streams) expect(await host.documents.get(collection, stream)).toEqual({ count: 200, last: 200 });
    },
  },
  {
    name: 'async projection: filters by type, handler gets exactly the wanted events, checkpoint passes the rest',
    async run({ store, host, unique }) {
      const stream = unique('s');
      const head = await store.headPosition();
      await store.append(stream, [{ type: 'Wanted', data: 1 }, { type: 'Other', data: 2 }, { type: 'Wanted', data: 3 }, { type: 'Other', data: 4 }], 'no_stream');
      const got: RecordedEvent[] = [];
      const projection: Projection = {
        name: unique('filter'),
        eventTypes: ['Wanted'],
        handle: (batch) => void got.push(...batch.filter((e) => e.streamId === stream)),
      };
      const runner = createProjectionRunner({ store, host, projection, ...quick });
      const status = await runner.catchUp();
      expect(got.map((e) => e.data)).toEqual([1, 3]);
      expect(status.position).toBeGreaterThan(head);
      expect(status.position).toBe(await store.headPosition());
    },
  },
  {
    name: 'async projection: a failing handler is visible in status, retried, and recovers without losing events',
    timeoutMs: 30_000,
    async run({ store, host, unique }) {
      const stream = unique('s');
      await store.append(stream, events(5), 'no_stream');
      let broken = true;
      const collection = unique('c');
      const inner = countingProjection(unique('flaky'), collection);
      const projection: Projection = {
        ...inner,
        handle: (batch, tx, ctx) => {
          if (broken) throw new Error('read model offline');
          return inner.handle(batch, tx, ctx);
        },
      };
      await expect(createProjectionRunner({ store, host, projection, ...quick }).catchUp()).rejects.toThrow('read model offline');
      const runner = createProjectionRunner({ store, host, projection, ...quick });
      runner.start();
      try {
        await eventually(async () => (await runner.status()).state === 'failing', 5_000, 'failing state');
        const failing = await runner.status();
        expect(failing.lastError?.message).toBe('read model offline');
        expect(failing.failures).toBeGreaterThan(0);
        expect(failing.lagEvents).toBeGreaterThan(0);
        broken = false;
        await runner.waitFor(await store.headPosition(), 10_000);
        expect(await host.documents.get(collection, stream)).toEqual({ count: 5, last: 5 });
        await eventually(async () => (await runner.status()).failures === 0, 5_000, 'recovery');
      } finally {
        await runner.stop();
      }
    },
  },
  {
    name: 'async projection: two runners of one projection never apply an event twice',
    timeoutMs: 60_000,
    async run({ store, host, unique }) {
      const streams = Array.from({ length: 4 }, () => unique('s'));
      await fill((s, n) => store.append(s, events(n), 'any'), streams, 300);
      const collection = unique('twice');
      const projection = countingProjection(unique('twice'), collection);
      const a = createProjectionRunner({ store, host, projection, batchSize: 50, ...quick });
      const b = createProjectionRunner({ store, host, projection, batchSize: 70, ...quick });
      await Promise.all([a.catchUp(), b.catchUp()]);
      for (const stream of streams) expect(await host.documents.get(collection, stream)).toEqual({ count: 300, last: 300 });
    },
  },
  {
    name: 'async projection: a runner waiting on the lease sees the holder\'s progress (waitFor resolves)',
    timeoutMs: 30_000,
    async run({ store, host, unique }) {
      const stream = unique('s');
      const collection = unique('standby');
      const projection = countingProjection(unique('standby'), collection);
      const holder = createProjectionRunner({ store, host, projection, ...quick });
      const waiting = createProjectionRunner({ store, host, projection, ...quick });
      holder.start();
      try {
        const first = await store.append(stream, events(5), 'no_stream');
        await holder.waitFor(first.globalPosition, 10_000);
        waiting.start();
        await eventually(async () => (await waiting.status()).state === 'standby', 10_000, 'the second runner to wait on the lease');
        const more = await store.append(stream, events(3), 5);
        // The waiting runner applies nothing itself, yet the read model it serves reached the position.
        await waiting.waitFor(more.globalPosition, 10_000);
        expect(await host.documents.get(collection, stream)).toEqual({ count: 8, last: 8 });
      } finally {
        await waiting.stop();
        await holder.stop();
      }
    },
  },
  {
    name: 'async projection: live events arrive after catch-up',
    async run({ store, host, unique }) {
      const collection = unique('live');
      const runner = createProjectionRunner({ store, host, projection: countingProjection(unique('live'), collection), ...quick });
      runner.start();
      try {
        const stream = unique('s');
        const result = await store.append(stream, events(3), 'no_stream');
        await runner.waitFor(result.globalPosition, 10_000);
        expect(await host.documents.get(collection, stream)).toEqual({ count: 3, last: 3 });
        const status = await runner.status();
        expect(['live', 'catching-up']).toContain(status.state);
        expect(status.position).toBeGreaterThanOrEqual(result.globalPosition);
      } finally {
        await runner.stop();
      }
    },
  },
  {
    name: 'reactor: a poison event is parked after N attempts, the rest proceed, retry after a fix succeeds',
    timeoutMs: 30_000,
    async run({ store, host, unique }) {
      const stream = unique('s');
      await store.append(stream, [{ type: 'Mail', data: { to: 'a' } }, { type: 'Mail', data: { to: 'poison' } }, { type: 'Mail', data: { to: 'c' } }], 'no_stream');
      const sent: string[] = [];
      let poisonFixed = false;
      const attempts = new Map<string, number>();
      const runner = createReactorRunner({
        store,
        host,
        ...quick,
        maxAttempts: 3,
        eventRetry: { initialDelayMs: 1, maxDelayMs: 5 },
        reactor: {
          name: unique('mailer'),
          eventTypes: ['Mail'],
          react: (event) => {
            if (event.streamId !== stream) return;
            const to = (event.data as { to: string }).to;
            attempts.set(to, (attempts.get(to) ?? 0) + 1);
            if (to === 'poison' && !poisonFixed) throw new Error('mailbox rejected');
            sent.push(to);
          },
        },
      });
      await runner.catchUp();
      expect(sent).toEqual(['a', 'c']);
      expect(attempts.get('poison')).toBe(3);
      const parked = await runner.parked();
      expect(parked).toHaveLength(1);
      expect(parked[0]).toMatchObject({ error: 'mailbox rejected', attempts: 3, type: 'Mail', streamId: stream });
      expect((await runner.status()).parked).toBe(1);
      expect(await runner.retryParked(parked[0]!.eventId)).toBe(false);
      expect((await runner.parked())[0]?.attempts).toBe(4);
      poisonFixed = true;
      expect(await runner.retryParked(parked[0]!.eventId)).toBe(true);
      expect(sent).toEqual(['a', 'c', 'poison']);
      expect(await runner.parked()).toEqual([]);
    },
  },
  {
    name: 'reactor: a parked event can be skipped',
    async run({ store, host, unique }) {
      const stream = unique('s');
      await store.append(stream, [{ type: 'X', data: {} }], 'no_stream');
      const runner = createReactorRunner({
        store,
        host,
        ...quick,
        maxAttempts: 1,
        reactor: { name: unique('skip'), react: (e) => { if (e.streamId === stream) throw new Error('nope'); } },
      });
      await runner.catchUp();
      const [parked] = await runner.parked();
      expect(await runner.skipParked(parked!.eventId)).toBe(true);
      expect(await runner.parked()).toEqual([]);
    },
  },
  {
    name: 'outbox relay delivers public events in order, at least once',
    async run({ open, unique }) {
      const topic = unique('topic');
      const store = await open([publicEvents({ name: unique('pub'), topic, map: (e) => ({ type: `public.${e.type}`, data: e.data }) }) as Projection]);
      for (let i = 0; i < 5; i++) await store.append(unique('s'), [{ type: 'Happened', data: { i } }], 'no_stream');
      const delivered: StoredOutboxMessage[] = [];
      const relay = createOutboxRelay({ host: store.projections, store, name: unique('relay'), publish: async (batch) => void delivered.push(...batch), batchSize: 2, logger: quick.logger });
      await relay.drain();
      const mine = delivered.filter((m) => m.topic === topic);
      expect(mine.map((m) => (m.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
      const positions = delivered.map((m) => m.position);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
      expect(await relay.drain()).toBe(0);
    },
  },
  {
    name: 'blue-green rebuild: version 2 is built beside version 1, readers switch, version 1 is dropped',
    timeoutMs: 60_000,
    async run({ store, host, unique }) {
      const name = unique('bg');
      const streams = Array.from({ length: 3 }, () => unique('s'));
      await fill((s, n) => store.append(s, events(n), 'any'), streams, 100);
      const coll = unique('counts');
      const v1: Projection = { ...countingProjection(name, coll) };
      const runnerV1 = createProjectionRunner({ store, host, projection: v1, ...quick });
      runnerV1.start();
      await runnerV1.waitFor(await store.headPosition(), 20_000);
      expect(await activeCollection(host, name, coll)).toBe(coll);
      const base = countingProjection(name, coll);
      const v2: Projection = {
        ...base,
        version: 2,
        handle: (batch, tx, ctx) => base.handle(batch.filter((e) => (e.data as { i: number }).i % 2 === 0), tx, ctx),
      };
      const progress: number[] = [];
      const runnerV2 = await rebuildBlueGreen({ store, host, projection: v2, collections: [coll], previous: runnerV1, onProgress: (s) => progress.push(s.position), ...quick });
      try {
        expect(progress.length).toBeGreaterThan(0);
        const collection = await activeCollection(host, name, coll);
        expect(collection).toBe(`${coll}@v2`);
        for (const stream of streams) expect(await host.documents.get<{ count: number }>(collection, stream)).toMatchObject({ count: 50 });
        for (const stream of streams) expect(await host.documents.get(coll, stream)).toBeUndefined();
        expect((await host.listCheckpoints()).some((c) => c.name === name)).toBe(false);
        const more = await store.append(streams[0]!, [{ type: 'Happened', data: { i: 0 } }], 'any');
        await runnerV2.waitFor(more.globalPosition, 10_000);
        expect(await host.documents.get<{ count: number }>(collection, streams[0]!)).toMatchObject({ count: 51 });
      } finally {
        await runnerV2.stop();
      }
    },
  },
];
