import { applyProjection, createCommandHandler, createProjectionRunner, silentLogger, type Documents, type RecordedEvent } from '@chronicle/core';
import { expect, it } from 'vitest';
import { describeEachStore, untilVisible, type ExampleStore, type TestStores } from '../../shared/src/test-stores.js';
import { restaurantQueries, restaurantReadModels } from './read-models.js';
import { tableDecider, tableStream, type TableCommand } from './table.js';

/** Three tables over an evening, one command every 20 s of a fake clock. */
async function evening(open: TestStores['open']): Promise<ExampleStore> {
  let now = Date.parse('2026-05-26T19:00:00Z');
  const store = await open({ clock: () => new Date((now += 20_000)) });
  const handle = createCommandHandler(store, tableDecider);
  const run = (table: string, command: TableCommand) => handle(tableStream(table), command);
  const reserve = (table: string, tableNumber: number, guests: number) =>
    run(table, { type: 'ReserveTable', reservationId: table, tableNumber, name: table, at: '2026-05-26T19:00:00Z', guests });
  const order = (table: string, orderId: string, productName: string, quantity: number, price: number) =>
    run(table, { type: 'OrderDrinks', order: { orderId, productName, quantity, price } });
  await reserve('a', 1, 2);
  await reserve('b', 2, 4);
  await reserve('c', 3, 1);
  await order('a', 'o1', 'Cola', 2, 250);
  await order('b', 'o1', 'Wine', 4, 600);
  await order('b', 'o2', 'Water', 2, 200);
  await order('c', 'o1', 'Cola', 1, 250);
  await order('a', 'o2', 'Beer', 2, 400);
  await run('a', { type: 'ServeDrinks', orderId: 'o1' });
  await run('b', { type: 'ServeDrinks', orderId: 'o1' });
  await run('a', { type: 'PayBill', amount: 1300 });
  await run('a', { type: 'LeaveTable' });
  await order('b', 'o3', 'Coffee', 2, 300);
  const last = await run('b', { type: 'PayBill', amount: 3400 });
  await untilVisible(store, last.newEvents[0]!.globalPosition);
  return store;
}

type Answers = Awaited<ReturnType<typeof answers>>;
async function answers(documents: Documents) {
  return {
    reserved: await restaurantQueries.reservedTables(documents),
    preparing: await restaurantQueries.beingPrepared(documents),
    popular: await restaurantQueries.threeMostCommonDrinks(documents),
    spend: await restaurantQueries.averageSpendPerMinute(documents),
    top: await restaurantQueries.topFiveOrders(documents),
  };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = seed;
  const random = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
}

/** Empties every read-model collection, then delivers `batches`: one transaction per batch, every read model in it. */
async function deliver(store: ExampleStore, batches: readonly (readonly RecordedEvent[])[]): Promise<void> {
  await store.projections.transaction(async (tx) => {
    for (const collection of ['reserved-tables', 'kitchen', 'restaurant-stats']) await tx.documents.dropCollection(collection);
  });
  for (const batch of batches) {
    await store.projections.transaction(async (tx) => {
      for (const projection of restaurantReadModels) await applyProjection(projection, batch, tx);
    });
  }
}

await describeEachStore('restaurant read models (seed 001)', ({ open }) => {
  it('answer what the staff asks', async () => {
    const store = await evening(open);
    for (const projection of restaurantReadModels) {
      await createProjectionRunner({ store, host: store.projections, projection, logger: silentLogger }).catchUp();
    }
    const result = await answers(store.projections.documents);
    expect(result).toEqual<Answers>({
      reserved: [2, 3],
      preparing: ['1× Cola', '2× Beer', '2× Coffee', '2× Water'],
      popular: ['Wine', 'Cola', 'Beer'],
      spend: (1300 + 3400) / 2,
      top: [
        { productName: 'Wine', value: 2400 },
        { productName: 'Beer', value: 800 },
        { productName: 'Coffee', value: 600 },
        { productName: 'Cola', value: 500 },
        { productName: 'Water', value: 400 },
      ],
    });
  });

  it('converge when events from several streams arrive in any order', async () => {
    const store = await evening(open);
    const history: RecordedEvent[] = [];
    for await (const event of store.readAll()) history.push(event);
    expect(history).toHaveLength(14);
    await deliver(store, [history]);
    const expected = await answers(store.projections.documents);
    expect(expected.reserved).toEqual([2, 3]);
    for (let seed = 1; seed <= 25; seed++) {
      const delivery = shuffled(history, seed);
      // Deliver in random batch sizes as a consumer would.
      const batches: RecordedEvent[][] = [];
      for (let i = 0; i < delivery.length; ) {
        const size = 1 + ((seed * (i + 3)) % 4);
        batches.push(delivery.slice(i, i + size));
        i += size;
      }
      await deliver(store, batches);
      expect(await answers(store.projections.documents), `delivery order with seed ${seed}`).toEqual(expected);
    }
  });
});
