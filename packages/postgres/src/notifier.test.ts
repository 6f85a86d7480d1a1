import { describe, expect, it } from 'vitest';
import { createNotifier } from './notifier.js';

/** A stand-in for sending NOTIFY that records each send. */
function recorder(): { send: () => Promise<void>; sent: number[] } {
  const sent: number[] = [];
  return { send: async () => void sent.push(Date.now()), sent };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('notifier', () => {
  it('notifies at once after a quiet period, then coalesces pokes within the interval into one', async () => {
    const { send, sent } = recorder();
    const notifier = createNotifier(send, 30);
    notifier.poke();
    expect(sent).toHaveLength(1);
    for (let i = 0; i < 10; i++) notifier.poke();
    expect(sent).toHaveLength(1);
    // The pokes' one notification comes at the end of the interval, never before it (however slow the machine).
    while (sent.length < 2) await sleep(5);
    expect(sent[1]! - sent[0]!).toBeGreaterThanOrEqual(29);
    await sleep(100);
    expect(sent).toHaveLength(2);
  });

  it('flush sends a pending notification without waiting for the interval', async () => {
    const { send, sent } = recorder();
    const notifier = createNotifier(send, 10_000);
    notifier.poke();
    notifier.poke();
    await notifier.flush();
    expect(sent).toHaveLength(2);
    await notifier.flush();
    expect(sent).toHaveLength(2);
  });

  it('a failing NOTIFY is ignored (subscribers fall back to polling)', async () => {
    const notifier = createNotifier(() => Promise.reject(new Error('down')), 5);
    notifier.poke();
    await notifier.flush();
  });
});
