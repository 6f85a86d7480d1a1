import { describe, expect, it } from 'vitest';
import { cursorWithoutNul, prefixUpperBound } from './stream-ids.js';

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('prefixUpperBound', () => {
  it('increments the last code point', () => {
    expect(prefixUpperBound('abc')).toBe('abd');
    expect(prefixUpperBound('a/')).toBe('a0');
    expect(prefixUpperBound('é')).toBe('ê');
    expect(prefixUpperBound('x\u{1f600}')).toBe('x\u{1f601}');
  });

  it('skips the surrogate range and carries past the last code point', () => {
    expect(prefixUpperBound('a\ud7ff')).toBe('a\ue000');
    expect(prefixUpperBound('a\u{10ffff}')).toBe('b');
    expect(prefixUpperBound('\u{10ffff}\u{10ffff}')).toBeUndefined();
    expect(prefixUpperBound('')).toBeUndefined();
  });

  it('bounds exactly the strings with the prefix, in byte order', () => {
    const prefix = 'ab';
    const bound = prefixUpperBound(prefix)!;
    const samples = ['a', 'aa', 'ab', 'ab\u0001', 'ab\u{10ffff}', 'ab\u{10ffff}z', 'abz', 'ac', 'ac\u0000', 'b', 'aé', 'ab€'];
    for (const sample of samples) {
      const inRange = byteOrder(sample, prefix) >= 0 && byteOrder(sample, bound) < 0;
      expect(inRange, sample).toBe(sample.startsWith(prefix));
    }
  });
});

describe('cursorWithoutNul', () => {
  it('cuts at the first NUL', () => {
    expect(cursorWithoutNul('abc')).toBe('abc');
    expect(cursorWithoutNul('ab\u0000c')).toBe('ab');
  });
});
