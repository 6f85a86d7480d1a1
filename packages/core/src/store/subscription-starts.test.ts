import { describe, expect, it } from 'vitest';
import { SubscriptionStarts, startPosition } from './subscription-starts.js';

describe('subscription starts', () => {
  it("writes wait while an 'end' start is read, and pay nothing otherwise", async () => {
    const starts = new SubscriptionStarts();
    expect(starts.settled()).toBeUndefined();
    let head = 7;
    let answer!: () => void;
    // A head read that answers late, as a database does.
    const slowHead = (): Promise<number> => new Promise((resolve) => (answer = () => resolve(head)));
    const start = startPosition('end', slowHead, starts);
    const waiting = starts.settled();
    expect(waiting).toBeInstanceOf(Promise);
    // The write issued after subscribe: it must not be counted in the start.
    const written = waiting!.then(() => (head = 8));
    answer();
    expect(await start).toBe(7);
    await written;
    expect(head).toBe(8);
    expect(starts.settled()).toBeUndefined();
  });

  it("resolves 'start' and positions at once, refuses bad values lazily, and a failed head read releases the writes", async () => {
    const starts = new SubscriptionStarts();
    expect(await startPosition(undefined, async () => 9)).toBe(0);
    expect(await startPosition(5, async () => 9)).toBe(5);
    const bad = startPosition(-1, async () => 9);
    await expect(bad).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const failing = startPosition('end', () => Promise.reject(new Error('down')), starts);
    await starts.settled();
    await expect(failing).rejects.toThrow('down');
    expect(starts.settled()).toBeUndefined();
  });
});
