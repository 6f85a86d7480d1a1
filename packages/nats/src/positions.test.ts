import { describe, expect, it } from 'vitest';
import { EVENTS_PER_MESSAGE, firstSequenceAfter, globalPosition, messageOf } from './positions.js';

describe('global positions', () => {
  it('are stream sequence * 100000 + index, readable in decimal', () => {
    expect(EVENTS_PER_MESSAGE).toBe(100_000);
    expect(globalPosition(42, 2)).toBe(4_200_002);
    expect(messageOf(4_200_002)).toEqual({ sequence: 42, index: 2 });
  });

  it('increase strictly in (sequence, index) order', () => {
    expect(globalPosition(1, 99_999)).toBeLessThan(globalPosition(2, 0));
    expect(globalPosition(2, 0)).toBeLessThan(globalPosition(2, 1));
  });

  it('start a read after a position at the message holding it, or at message 1', () => {
    expect(firstSequenceAfter(0)).toBe(1);
    expect(firstSequenceAfter(4_200_002)).toBe(42);
    expect(firstSequenceAfter(4_199_999)).toBe(41);
  });

  it('stay exact integers far beyond any realistic stream', () => {
    const sequence = 90_000_000_000;
    expect(Number.isSafeInteger(globalPosition(sequence, EVENTS_PER_MESSAGE - 1))).toBe(true);
  });
});
