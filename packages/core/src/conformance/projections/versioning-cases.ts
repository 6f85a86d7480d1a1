import { expect } from 'vitest';
import type { Decider } from '../../decider/decider.js';
import type { RecordedEvent } from '../../events/event.js';
import { createCommandHandler } from '../../commands/command-handler.js';
import { DomainError } from '../../errors/errors.js';
import { createAggregateLoader } from '../../snapshots/aggregate-loader.js';
import { withEventSchemas } from '../../upcasting/with-event-schemas.js';
import type { EventSchemas } from '../../upcasting/event-schemas.js';
import { createProjectionRunner } from '../../projections/projection-runner.js';
import { createReactorRunner } from '../../projections/reactor.js';
import { documentProjection } from '../../projections/document-projection.js';
import { readAllUntil, stateAt } from '../../store/time-travel.js';
import { fold } from '../../decider/decider.js';
import { collect, events } from '../case.js';
import { quick, type ProjectionCase } from './context.js';
import { legacyLicenseSchemas } from './legacy-license.js';

type Counted = { type: 'Counted'; data: { n: number } };
type Tally = { total: number; count: number };
let evolveCalls = 0;
const tally: Decider<{ type: 'Add'; n: number } | { type: 'Reject' } | { type: 'Nothing' }, Counted, Tally> = {
  initialState: () => ({ total: 0, count: 0 }),
  decide(command, state) {
    if (command.type === 'Reject') throw new DomainError('TALLY_REFUSED', `refused at ${state.count}`);
    if (command.type === 'Nothing') return [];
    return [{ type: 'Counted', data: { n: command.n } }];
  },
  evolve: (state, event) => {
    evolveCalls++;
    return { total: state.total + event.data.n, count: state.count + 1 };
  },
};

/** v1 `LicenseGranted { customer }` → v2 adds `region` (default) → v3 renames `customer` to `customerId`; v1 `Moved` splits in two. */
const schemas: EventSchemas = {
  LicenseGranted: {
    ...legacyLicenseSchemas.LicenseGranted,
    schema: {
      safeParse: (data) =>
        typeof (data as { customerId?: unknown })?.customerId === 'string'
          ? { success: true }
          : { success: false, error: { issues: [{ path: ['customerId'], message: 'required' }] } },
    },
  },
  Moved: {
    version: 2,
    upcasters: {
      1: (e) => {
        const { from, to } = e.data as { from: string; to: string };
        return [
          { type: 'Left', data: { place: from } },
          { type: 'Arrived', data: { place: to } },
        ];
      },
    },
  },
};

/** Snapshots, upcasting, idempotency, time travel, correlation. */
export const versioningCases: ProjectionCase[] = [
  {
    name: 'snapshots: loads replay only the tail; a bumped state schema ignores old snapshots and rebuilds the same state',
    timeoutMs: 60_000,
    async run({ store, unique }) {
      const stream = unique('tally');
      for (let i = 0; i < 3_000; i += 500) {
        await store.append(stream, Array.from({ length: 500 }, (_, k) => ({ type: 'Counted', data: { n: i + k } })), i);
      }
      const loader = createAggregateLoader(store, tally, { name: unique('tally'), schemaVersion: 1, everyEvents: 1_000 });
      const first = await loader.load(stream);
      expect(first.stats).toMatchObject({ replayed: 3_000, snapshotWritten: true, snapshotVersion: undefined });
      evolveCalls = 0;
      const second = await loader.load(stream);
      expect(evolveCalls).toBe(0);
      expect(second.state).toEqual(first.state);
      expect(second.stats.snapshotVersion).toBe(3_000);
      await store.append(stream, events(7).map((e, i) => ({ ...e, type: 'Counted', data: { n: i } })), 3_000);
      evolveCalls = 0;
      const third = await loader.load(stream);
      expect(evolveCalls).toBe(7);
      expect(third.version).toBe(3_007);
      const fullReplay = await stateAt(store, stream, tally, {});
      expect(third.state).toEqual(fullReplay.state);
      // The state's shape changed (here: a new initial state): a schema-1 snapshot must not be read as schema 2.
      const v1 = createAggregateLoader(store, tally, { name: 'tally-shared', schemaVersion: 1, everyEvents: 1_000 });
      await v1.snapshot(stream);
      const misreadGuard = createAggregateLoader(
        store,
        { initialState: () => ({ total: -1, count: -1 }), evolve: tally.evolve },
        { name: 'tally-shared', schemaVersion: 2, everyEvents: 1_000 },
      );
      evolveCalls = 0;
      const rebuilt = await misreadGuard.load(stream);
      expect(evolveCalls).toBe(3_007);
      expect(rebuilt.stats.snapshotVersion).toBeUndefined();
      expect(rebuilt.state).toEqual({ total: fullReplay.state.total - 1, count: fullReplay.state.count - 1 });
      expect((await misreadGuard.load(stream)).stats).toMatchObject({ snapshotVersion: 3_007, replayed: 0 });
      // Time travel through a loader: at a version before the snapshot, replay from the start.
      expect((await loader.loadAt(stream, { version: 10 })).state).toEqual(fold(tally, Array.from({ length: 10 }, (_, n) => ({ type: 'Counted', data: { n } }) as Counted)));
    },
  },
  {
    name: 'upcasting: events written by an old release read as the current version on every read path',
    timeoutMs: 30_000,
    async run({ store, host, unique }) {
      const stream = unique('license');
      const travel = unique('travel');
      // An old release wrote these: no schema version marker.
      await store.append(stream, [{ type: 'LicenseGranted', data: { customer: 'bailey' } }], 'no_stream');
      await store.append(travel, [{ type: 'Moved', data: { from: 'home', to: 'office' } }], 'no_stream');
      const current = withEventSchemas(store, schemas);
      const [granted] = await collect(current.readStream(stream));
      expect(granted).toMatchObject({ type: 'LicenseGranted', data: { customerId: 'bailey', region: 'eu' }, storedAs: { type: 'LicenseGranted', schemaVersion: 1 } });
      expect(granted!.metadata.schemaVersion).toBe(3);
      const moved = await collect(current.readStream(travel));
      expect(moved.map((e) => [e.type, e.data, e.streamPosition])).toEqual([
        ['Left', { place: 'home' }, 1],
        ['Arrived', { place: 'office' }, 1],
      ]);
      expect(new Set(moved.map((e) => e.eventId)).size).toBe(2);
      const global = (await collect(current.readAll())).filter((e) => e.streamId === stream || e.streamId === travel);
      expect(global.map((e) => e.type)).toEqual(['LicenseGranted', 'Left', 'Arrived']);
      // Async projections read through the same wrapper.
      const collection = unique('licenses');
      const projection = documentProjection<{ customerId: string; region: string }>({
        name: unique('licenses'),
        collection,
        eventTypes: ['LicenseGranted'],
        documentId: (e) => e.streamId,
        evolve: (_doc, e) => e.data as { customerId: string; region: string },
      });
      await createProjectionRunner({ store: current, host, projection, ...quick }).catchUp();
      expect(await host.documents.get(collection, stream)).toEqual({ customerId: 'bailey', region: 'eu' });
      // Reactors too.
      const reacted: RecordedEvent[] = [];
      await createReactorRunner({ store: current, host, ...quick, reactor: { name: unique('r'), eventTypes: ['Arrived'], react: (e) => void reacted.push(e) } }).catchUp();
      expect(reacted.filter((e) => e.streamId === travel).map((e) => e.data)).toEqual([{ place: 'office' }]);
      // New events are validated and stamped with the current version.
      const head = await store.headPosition();
      await expect(current.append(stream, [{ type: 'LicenseGranted', data: { customer: 'old-shape' } }], 1)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(await store.headPosition()).toBe(head);
      await current.append(stream, [{ type: 'LicenseGranted', data: { customerId: 'sam', region: 'us' } }], 1);
      const [, fresh] = await collect(store.readStream(stream));
      expect(fresh!.metadata.schemaVersion).toBe(3);
      expect((await collect(current.readStream(stream)))[1]).toMatchObject({ data: { customerId: 'sam', region: 'us' } });
      expect((await collect(current.readStream(stream)))[1]!.storedAs).toBeUndefined();
    },
  },
  {
    name: 'idempotency: 20 concurrent identical requests append one set of events and all get the same outcome',
    timeoutMs: 30_000,
    async run({ store, unique }) {
      const handle = createCommandHandler(store, tally);
      const stream = unique('idem');
      await handle(stream, { type: 'Add', n: 1 });
      const requestId = unique('req');
      const results = await Promise.all(Array.from({ length: 20 }, () => handle(stream, { type: 'Add', n: 5 }, { requestId })));
      expect((await store.getStreamInfo(stream))?.version).toBe(2);
      const ids = new Set(results.map((r) => r.newEvents.map((e) => `${e.eventId}@${e.globalPosition}`).join()));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      for (const result of results) expect(result).toMatchObject({ nextExpectedVersion: 2, newState: { total: 6, count: 2 } });
      const [stored] = await collect(store.readStream(stream, { from: 2 }));
      expect(stored!.metadata.requestId).toBe(requestId);
    },
  },
  {
    name: 'idempotency: outcomes survive a restart — appended, no-op and rejection are replayed, nothing is appended again',
    async run({ store, open, unique }) {
      const stream = unique('idem');
      const handle = createCommandHandler(store, tally);
      const added = await handle(stream, { type: 'Add', n: 3 }, { requestId: `${stream}-add` });
      const noop = await handle(stream, { type: 'Nothing' }, { requestId: `${stream}-noop` });
      const rejected = await handle(stream, { type: 'Reject' }, { requestId: `${stream}-reject` }).catch((e: unknown) => e as DomainError);
      expect(rejected).toMatchObject({ code: 'TALLY_REFUSED', message: 'refused at 1' });
      await handle(stream, { type: 'Add', n: 10 });
      // "Restart": another store instance on the same database.
      const restarted = await open();
      const again = createCommandHandler(restarted, tally);
      const head = await restarted.headPosition();
      const addedAgain = await again(stream, { type: 'Add', n: 3 }, { requestId: `${stream}-add` });
      expect(addedAgain.replayed).toBe(true);
      expect(addedAgain.newEvents).toEqual(added.newEvents);
      expect(addedAgain.globalPosition).toBe(added.globalPosition);
      expect(addedAgain.newState).toEqual(added.newState);
      const noopAgain = await again(stream, { type: 'Nothing' }, { requestId: `${stream}-noop` });
      expect(noopAgain).toMatchObject({ replayed: true, newEvents: [], nextExpectedVersion: noop.nextExpectedVersion });
      const rejectedAgain = await again(stream, { type: 'Reject' }, { requestId: `${stream}-reject` }).catch((e: unknown) => e as DomainError);
      expect(rejectedAgain).toMatchObject({ code: 'TALLY_REFUSED', message: 'refused at 1' });
      expect(await restarted.headPosition()).toBe(head);
    },
  },
  {
    name: 'time travel: state at version k folds the first k events; state at time t folds events recorded by t',
    async run({ store, unique }) {
      const stream = unique('travel');
      const recorded: RecordedEvent[] = [];
      for (let i = 1; i <= 6; i++) {
        recorded.push(...(await store.append(stream, [{ type: 'Counted', data: { n: i } }], i - 1)).events);
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      for (let k = 0; k <= 6; k++) {
        const at = await stateAt(store, stream, tally, { version: k });
        expect(at).toEqual({ state: fold(tally, recorded.slice(0, k) as unknown as Counted[]), version: k });
      }
      const t = recorded[3]!.recordedAt;
      const byTime = await stateAt(store, stream, tally, { at: t });
      const expected = recorded.filter((e) => e.recordedAt.getTime() <= t.getTime());
      expect(byTime.version).toBe(expected.length);
      expect(byTime.state).toEqual(fold(tally, expected as unknown as Counted[]));
      const until = (await collect(readAllUntil(store, t, { after: recorded[0]!.globalPosition - 1 }))).filter((e) => e.streamId === stream);
      expect(until.map((e) => e.streamPosition)).toEqual(expected.map((e) => e.streamPosition));
    },
  },
  {
    name: 'correlation and causation flow from command to events to reactor-produced events',
    async run({ store, host, unique }) {
      const stream = unique('flow');
      const follow = unique('follow');
      const handle = createCommandHandler(store, tally);
      const result = await handle(stream, { type: 'Add', n: 1 }, { commandId: 'cmd-1', metadata: { correlationId: 'corr-1' } });
      expect(result.newEvents[0]!.metadata).toMatchObject({ correlationId: 'corr-1', causationId: 'cmd-1' });
      await createReactorRunner({
        store,
        host,
        ...quick,
        reactor: {
          name: unique('follower'),
          eventTypes: ['Counted'],
          react: async (event, context) => {
            if (event.streamId === stream) await store.append(follow, [{ type: 'Followed', data: {}, metadata: context.metadata }], 'any');
          },
        },
      }).catchUp();
      const [followed] = await collect(store.readStream(follow));
      expect(followed!.metadata).toEqual({ correlationId: 'corr-1', causationId: result.newEvents[0]!.eventId });
    },
  },
];
