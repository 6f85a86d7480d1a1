import { createCommandHandler } from '@chronicle/core';
import { expect, it } from 'vitest';
import { describeEachStore, untilVisible } from '../../shared/src/test-stores.js';
import { subscriptionDecider } from './subscription.js';

const now = new Date('2026-03-01T10:00:00.000Z');

await describeEachStore('subscription (seed 002)', ({ open }) => {
  it('a no-op writes nothing through the command handler', async () => {
    const store = await open();
    const handle = createCommandHandler(store, subscriptionDecider);
    const first = await handle('subscription-12', { type: 'Activate', paymentKey: 'sub_66123', now });
    const again = await handle('subscription-12', { type: 'Activate', paymentKey: 'sub_66123', now });
    expect(again.newEvents).toEqual([]);
    await untilVisible(store, first.newEvents[0]!.globalPosition);
    expect(await store.headPosition()).toBe(first.newEvents[0]!.globalPosition);
    expect((await store.getStreamInfo('subscription-12'))?.version).toBe(1);
  });
});
