import type { EventStore } from '@chronicle/core';
import { expect, it } from 'vitest';
import { describeEachStore } from '../../../shared/src/test-stores.js';
import { TooManyDrinksError } from '../errors.js';
import { TableCommandHandler } from './table-command-handler.js';
import { TableEventHandler } from './table-event-handler.js';
import { TableRepository } from './table-repository.js';
import { TableService } from './table-service.js';

function service(store: EventStore): { service: TableService; store: EventStore } {
  const events = new TableEventHandler();
  return { service: new TableService(new TableRepository(store, events), new TableCommandHandler(), events), store };
}

await describeEachStore('aggregate-style layering (service → repository → command handler → event handler)', ({ open }) => {
  it('runs a whole visit through the layers', async () => {
    const { service: tables, store } = service(await open());
    await tables.reserve('r1', 6, 'Kim', new Date('2025-05-26T19:00:00Z'), 2);
    await tables.orderDrinks('r1', { orderId: 'o1', productName: 'Cola', quantity: 2, price: 250 });
    await tables.serveDrinks('r1', 'o1');
    await tables.payBill('r1', 500);
    const final = await tables.leave('r1');
    expect(final).toMatchObject({ status: 'left', bill: 500, paid: 500, waiting: [] });
    expect((await store.getStreamInfo('table-r1'))?.version).toBe(5);
  });

  it('keeps the invariant under concurrent orders (retries on fresh state)', async () => {
    const { service: tables, store } = service(await open());
    await tables.reserve('r2', 1, 'Ann', new Date(), 2);
    const attempts = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => tables.orderDrinks('r2', { orderId: `o${i}`, productName: 'Water', quantity: 1, price: 100 })),
    );
    const rejected = attempts.filter((a) => a.status === 'rejected');
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(4);
    expect(rejected.every((a) => a.status === 'rejected' && a.reason instanceof TooManyDrinksError)).toBe(true);
    expect((await store.getStreamInfo('table-r2'))?.version).toBe(5);
  });
});
