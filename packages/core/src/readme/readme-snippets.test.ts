/**
 * The code blocks of packages/core/README.md, run against the in-memory store.
 * Each test holds one README snippet (between the `// README` markers) plus the
 * assertions that prove it does what the README says; keep them in sync.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import {
  DomainError,
  REDACTED,
  ReplayedRejectionError,
  activeCollection,
  aggregateStream,
  archive,
  createAggregateLoader,
  createCommandHandler,
  createFileColdStore,
  createInMemoryStore,
  createOutboxRelay,
  createProjectionRunner,
  createReactorRunner,
  createTieredStore,
  documentKeyStore,
  documentProjection,
  hasStreamLifecycle,
  publicEvents,
  readAllUntil,
  rebuildBlueGreen,
  silentLogger,
  stateAt,
  withCryptoShredding,
  withEventSchemas,
  type Decider,
  type EventStore,
  type EventSchemas,
  type Projection,
  type Reactor,
  type RecordedEvent,
  type StoredOutboxMessage,
} from '../index.js';

type CardEvent = { type: 'Issued'; data: { amount: number } } | { type: 'Redeemed'; data: { amount: number } };
type CardCommand = { type: 'Issue'; amount: number } | { type: 'Redeem'; amount: number };
type Card = { issued: boolean; balance: number };

const giftCard: Decider<CardCommand, CardEvent, Card> = {
  initialState: () => ({ issued: false, balance: 0 }),
  decide(command, card) {
    if (command.type === 'Issue') return card.issued ? [] : [{ type: 'Issued', data: { amount: command.amount } }];
    if (command.amount > card.balance) throw new DomainError('INSUFFICIENT_BALANCE', `balance is ${card.balance}`);
    return [{ type: 'Redeemed', data: { amount: command.amount } }];
  },
  evolve: (card, event) =>
    event.type === 'Issued' ? { issued: true, balance: event.data.amount } : { ...card, balance: card.balance - event.data.amount },
};

const quiet = { logger: silentLogger } as const;
async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}
const dirs: string[] = [];
let logs: { log: MockInstance; warn: MockInstance };
beforeEach(() => {
  logs = { log: vi.spyOn(console, 'log').mockImplementation(() => {}), warn: vi.spyOn(console, 'warn').mockImplementation(() => {}) };
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('README snippets', () => {
  it('projections: one documentProjection, inline and async, status, blue-green rebuild', async () => {
    // README projections
    type CardView = { balance: number };
    const cardViews = (version: number): Projection =>
      documentProjection<CardView, RecordedEvent<CardEvent['type'], { amount: number }>>({
        name: 'card-views',
        version,
        collection: 'cards',
        eventTypes: ['Issued', 'Redeemed'],
        documentId: (event) => event.streamId,
        evolve: (view, event) => ({ balance: event.type === 'Issued' ? event.data.amount : (view?.balance ?? 0) - event.data.amount }),
      });

    // Inline: runs in the append's transaction; if it throws, nothing is stored.
    const inlineStore = createInMemoryStore({ projections: [cardViews(1)] });

    // Async: a checkpointed runner over the global log.
    const store = createInMemoryStore();
    const runner = createProjectionRunner({ store, host: store.projections, projection: cardViews(1), ...quiet });
    // README end
    const handle = createCommandHandler(store, giftCard);
    await handle('card-1', { type: 'Issue', amount: 50 });
    await createCommandHandler(inlineStore, giftCard)('card-1', { type: 'Issue', amount: 50 });
    expect(await inlineStore.projections.documents.get('cards', 'card-1')).toEqual({ balance: 50 });
    // README projections-run
    runner.start(); // catch up, then follow live; or `await runner.catchUp()` in tests and scripts
    const { position, lagEvents, lagSeconds, state } = await runner.status();
    // README end
    await runner.waitFor(await store.headPosition(), 5_000);
    expect((await runner.status()).lagEvents).toBe(0);
    expect(position + lagEvents).toBe(await store.headPosition());
    expect(lagSeconds).toBeGreaterThanOrEqual(0);
    expect(['catching-up', 'live']).toContain(state);
    await handle('card-1', { type: 'Redeem', amount: 20 });
    await runner.waitFor(await store.headPosition(), 5_000);
    // README projections-rebuild
    const v2 = await rebuildBlueGreen({ store, host: store.projections, projection: cardViews(2), collections: ['cards'], previous: runner, ...quiet });
    const collection = await activeCollection(store.projections, 'card-views', 'cards'); // 'cards@v2'
    const view = await store.projections.documents.get<CardView>(collection, 'card-1');
    // README end
    expect(collection).toBe('cards@v2');
    expect(view).toEqual({ balance: 30 });
    expect(await store.projections.documents.count('cards')).toBe(0);
    await v2.stop();
  });

  it('reactors park poison events; public events reach the outbox with the append', async () => {
    const sent: string[] = [];
    const sendMail = async (to: string): Promise<void> => {
      if (to === 'card-poison') throw new Error('mailbox unavailable');
      sent.push(to);
    };
    const delivered: StoredOutboxMessage[] = [];
    const broker = { send: async (messages: readonly StoredOutboxMessage[]) => void delivered.push(...messages) };
    // README reactors
    const welcome: Reactor = {
      name: 'welcome-mail',
      eventTypes: ['Issued'],
      react: async (event) => sendMail(event.streamId), // idempotent by event.eventId: may run again after a crash
    };
    // README end
    // README outbox
    const store = createInMemoryStore({
      projections: [publicEvents({ name: 'public-cards', topic: 'cards', eventTypes: ['Issued'], map: (e) => ({ type: 'card.issued.v1', data: { cardId: e.streamId } }) })],
    });
    const relay = createOutboxRelay({ host: store.projections, store, publish: (messages) => broker.send(messages) });
    // README end
    const handle = createCommandHandler(store, giftCard);
    await handle('card-1', { type: 'Issue', amount: 5 });
    await handle('card-poison', { type: 'Issue', amount: 5 });
    await handle('card-2', { type: 'Issue', amount: 5 });
    // README reactors-run
    const mailer = createReactorRunner({ store, host: store.projections, reactor: welcome, maxAttempts: 5, ...quiet, eventRetry: { initialDelayMs: 1 } });
    await mailer.catchUp(); // or mailer.start()
    for (const parked of await mailer.parked()) console.warn(parked.eventId, parked.error); // then retryParked(id) or skipParked(id)
    // README end
    const parked = await mailer.parked();
    expect(logs.warn.mock.calls).toEqual([[parked[0]!.eventId, 'mailbox unavailable']]);
    expect(parked.map((p) => [p.streamId, p.attempts, p.error])).toEqual([['card-poison', 5, 'mailbox unavailable']]);
    expect(sent).toEqual(['card-1', 'card-2']);
    expect(await mailer.skipParked(parked[0]!.eventId)).toBe(true);
    // README outbox-run
    relay.start(); // or `await relay.drain()`
    // README end
    await relay.stop();
    await relay.drain();
    expect(delivered.map((m) => [m.topic, m.type, m.data])).toEqual([
      ['cards', 'card.issued.v1', { cardId: 'card-1' }],
      ['cards', 'card.issued.v1', { cardId: 'card-poison' }],
      ['cards', 'card.issued.v1', { cardId: 'card-2' }],
    ]);
  });

  it('snapshots: the loader and the command handler replay only the tail', async () => {
    const store = createInMemoryStore();
    const plain = createCommandHandler(store, giftCard);
    await plain('card-1', { type: 'Issue', amount: 100 });
    for (let i = 0; i < 5; i++) await plain('card-1', { type: 'Redeem', amount: 1 });
    // README snapshots
    const loader = createAggregateLoader(store, giftCard, { name: 'gift-card', schemaVersion: 1, everyEvents: 5, ifReplayTookMs: 50 });
    const { state, version, stats } = await loader.load('card-1'); // stats.replayed, stats.snapshotWritten
    const handle = createCommandHandler(store, giftCard, { snapshots: { name: 'gift-card', schemaVersion: 1, everyEvents: 5 } });
    // README end
    expect([state.balance, version, stats.replayed, stats.snapshotWritten]).toEqual([95, 6, 6, true]);
    await handle('card-1', { type: 'Redeem', amount: 1 });
    const again = await loader.load('card-1');
    expect([again.state.balance, again.stats.snapshotVersion, again.stats.replayed]).toEqual([94, 6, 1]);
  });

  it('upcasting: old events read as the current version; appends are validated', async () => {
    const raw = createInMemoryStore();
    await raw.append('card-1', [{ type: 'Issued', data: { amount: 5 } }], 'no_stream');
    const amountAndCurrency = {
      safeParse: (data: unknown) =>
        typeof (data as { currency?: unknown }).currency === 'string'
          ? ({ success: true } as const)
          : ({ success: false, error: { issues: [{ path: ['currency'], message: 'Required' }] } } as const),
    };
    // README upcasting
    const schemas: EventSchemas = {
      Issued: {
        version: 2, // new events are stamped metadata.schemaVersion = 2
        upcasters: { 1: (event) => ({ type: event.type, data: { ...(event.data as object), currency: 'EUR' } }) },
        schema: amountAndCurrency, // README: z.object({ amount: z.number(), currency: z.string() }) (core does not depend on zod)
      },
    };
    const store = withEventSchemas(raw, schemas);
    // README end
    const [old] = await collect(store.readStream('card-1'));
    expect(old!.data).toEqual({ amount: 5, currency: 'EUR' });
    expect(old!.storedAs).toEqual({ type: 'Issued', schemaVersion: 1 });
    await expect(store.append('card-2', [{ type: 'Issued', data: { amount: 5 } }], 'no_stream')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const added = await store.append('card-2', [{ type: 'Issued', data: { amount: 5, currency: 'USD' } }], 'no_stream');
    expect(added.events[0]!.metadata.schemaVersion).toBe(2);
    expect(store.projections).toBe(raw.projections);
  });

  it('idempotency: a repeated request id replays the outcome, rejections included', async () => {
    const store = createInMemoryStore();
    const handle = createCommandHandler(store, giftCard);
    await handle('card-1', { type: 'Issue', amount: 10 });
    // README idempotency
    const first = await handle('card-1', { type: 'Redeem', amount: 4 }, { requestId: 'req-7' });
    const retry = await handle('card-1', { type: 'Redeem', amount: 4 }, { requestId: 'req-7' });
    // retry.replayed === true, same events and positions, nothing appended again
    await handle('card-1', { type: 'Redeem', amount: 99 }, { requestId: 'req-8' }).catch(() => undefined); // INSUFFICIENT_BALANCE
    await handle('card-1', { type: 'Redeem', amount: 1 }, { requestId: 'req-8' }).catch((error: unknown) => {
      if (error instanceof ReplayedRejectionError) console.log(error.code); // 'INSUFFICIENT_BALANCE', the original outcome
    });
    // README end
    expect(logs.log.mock.calls).toEqual([['INSUFFICIENT_BALANCE']]);
    expect(retry.replayed).toBe(true);
    expect(retry.newEvents.map((e) => e.eventId)).toEqual(first.newEvents.map((e) => e.eventId));
    await expect(handle('card-1', { type: 'Redeem', amount: 1 }, { requestId: 'req-8' })).rejects.toBeInstanceOf(ReplayedRejectionError);
    expect((await store.getStreamInfo('card-1'))!.version).toBe(2);
  });

  it('a repeated append (same event ids) returns the original result and writes nothing', async () => {
    const store = createInMemoryStore();
    await store.append('card-1', [{ type: 'Issued', data: { amount: 10 } }], 'no_stream');
    // README idempotent appends
    const events = [{ type: 'Redeemed', data: { amount: 4 }, eventId: crypto.randomUUID() }]; // ids made once, before the first attempt
    const first = await store.append('card-1', events, 1);
    const retry = await store.append('card-1', events, 1); // retry.replayed === true, same positions, nothing written
    // README end
    expect(retry.replayed).toBe(true);
    expect(retry.nextExpectedVersion).toBe(first.nextExpectedVersion);
    expect(retry.globalPosition).toBe(first.globalPosition);
    expect((await store.getStreamInfo('card-1'))!.version).toBe(2);
  });

  it('correlation and causation flow from a command through a reactor', async () => {
    const store = createInMemoryStore();
    const handle = createCommandHandler(store, giftCard);
    // README correlation
    await handle('card-1', { type: 'Issue', amount: 10 }, { commandId: 'cmd-1' }); // causationId = correlationId = 'cmd-1'
    const bonus: Reactor = {
      name: 'bonus-card',
      eventTypes: ['Issued'],
      // context.metadata = { correlationId: <carried on>, causationId: event.eventId }
      react: async (event, { metadata }) => void (await handle(`${event.streamId}-bonus`, { type: 'Issue', amount: 1 }, { metadata })),
    };
    // README end
    await createReactorRunner({ store, host: store.projections, reactor: bonus, ...quiet }).catchUp();
    const [issued] = await collect(store.readStream('card-1'));
    const [follow] = await collect(store.readStream('card-1-bonus'));
    expect(issued!.metadata).toMatchObject({ correlationId: 'cmd-1', causationId: 'cmd-1' });
    expect(follow!.metadata).toMatchObject({ correlationId: 'cmd-1', causationId: issued!.eventId });
  });

  it('time travel: by version and by instant', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = createInMemoryStore({ clock: () => new Date(now) });
    const handle = createCommandHandler(store, giftCard);
    await handle('card-1', { type: 'Issue', amount: 10 });
    now += 1_000;
    await handle('card-1', { type: 'Redeem', amount: 3 });
    const at = new Date(now);
    now += 1_000;
    await handle('card-1', { type: 'Redeem', amount: 3 });
    // README time-travel
    const atV2 = await aggregateStream(store, 'card-1', giftCard, { toVersion: 2 });
    const then = await stateAt(store, 'card-1', giftCard, { at }); // or { version: 2 }
    for await (const event of readAllUntil(store, at)) console.log(event.globalPosition, event.type);
    // README end
    expect([atV2.state.balance, atV2.version]).toEqual([7, 2]);
    expect([then.state.balance, then.version]).toEqual([7, 2]);
    expect(logs.log.mock.calls).toEqual([[1, 'Issued'], [2, 'Redeemed']]);
  });

  it('stream lifecycle: metadata, soft and hard delete', async () => {
    const base = createInMemoryStore();
    const events = Array.from({ length: 5 }, (_, i) => ({ type: 'Noted', data: { i } }));
    await base.append('card-1', events, 'no_stream');
    await base.append('card-2', events, 'no_stream');
    const store: EventStore = base;
    // README lifecycle
    if (hasStreamLifecycle(store)) {
      await store.setStreamMetadata('card-1', { maxCount: 3, maxAge: 30 * 86_400, custom: { owner: 'billing' } });
      await store.deleteStream('card-1'); // soft: hidden, can be recreated
      await store.deleteStream('card-2', { mode: 'hard' }); // tombstone: appends fail with STREAM_DELETED
    }
    // README end
    expect(await collect(base.readStream('card-1'))).toEqual([]);
    expect((await base.append('card-1', events.slice(0, 1), 'no_stream')).events[0]!.streamPosition).toBe(7);
    await expect(base.append('card-2', events.slice(0, 1), 'any')).rejects.toMatchObject({ code: 'STREAM_DELETED' });
    const markers = (await collect(base.readAll())).filter((e) => e.type === '$StreamDeleted');
    expect(markers.map((e) => e.data)).toEqual([{ mode: 'soft' }, { mode: 'hard' }]);
  });

  it('crypto-shredding: forgetting a subject redacts its personal fields everywhere', async () => {
    // README shredding
    const base = createInMemoryStore();
    const store = withCryptoShredding(base, {
      keys: documentKeyStore(base.projections), // keys live in the store's own database
      personal: { CustomerRegistered: { subject: (data) => String(data.customerId), fields: ['name', 'email'] } },
    });
    await store.append('customer-42', [{ type: 'CustomerRegistered', data: { customerId: 'c-42', name: 'Ann', email: 'ann@example.com', plan: 'gold' } }], 'no_stream');
    await store.forgetSubject('c-42'); // name and email now read as REDACTED ('[redacted]'); plan stays
    // README end
    const [event] = await collect(store.readStream('customer-42'));
    expect(event!.data).toEqual({ customerId: 'c-42', name: REDACTED, email: REDACTED, plan: 'gold' });
    const [stored] = await collect(base.readStream('customer-42'));
    expect(JSON.stringify(stored!.data)).not.toContain('ann@example.com');
    await expect(store.append('customer-42', [{ type: 'CustomerRegistered', data: { customerId: 'c-42', name: 'Ann' } }], 'any')).rejects.toMatchObject({ code: 'SUBJECT_FORGOTTEN' });
  });

  it('tiers: archive to files, read both tiers as one store, verify', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-readme-'));
    dirs.push(dir);
    let now = Date.now() - 100 * 86_400_000;
    const hot = createInMemoryStore({ clock: () => new Date(now) });
    await hot.append('card-1', [{ type: 'Issued', data: { amount: 5 } }], 'no_stream'); // 100 days ago
    now = Date.now();
    await hot.append('card-1', [{ type: 'Redeemed', data: { amount: 1 } }], 1);
    // README tiers
    const cold = createFileColdStore({ dir: path.join(dir, 'archive') });
    const report = await archive({ hot, cold, policy: { olderThanMs: 90 * 86_400_000, behindSnapshot: true } });
    const store = createTieredStore({ hot, cold, onFallback: ({ operation, error }) => console.warn('served from cold storage', operation, error) });
    const { problems } = await cold.verify(); // checksums and counts of every segment
    // README end
    expect([report.archived, report.segments, problems]).toEqual([1, 1, []]);
    expect((await collect(hot.readStream('card-1'))).map((e) => e.type)).toEqual(['Redeemed']);
    expect((await collect(store.readStream('card-1'))).map((e) => e.type)).toEqual(['Issued', 'Redeemed']);
  });
});
