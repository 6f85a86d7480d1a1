import { describe, expect, it } from 'vitest';
import { PageCache, pageOf, pageStart, pagesFor, positionAt, rowOf } from './stream-window.js';

describe('stream window', () => {
  it('maps rows to stream positions in both orders', () => {
    expect([0, 1, 99].map((i) => positionAt(i, 'oldest-first', 100))).toEqual([1, 2, 100]);
    expect([0, 1, 99].map((i) => positionAt(i, 'newest-first', 100))).toEqual([100, 99, 1]);
    for (const order of ['oldest-first', 'newest-first'] as const) expect(rowOf(positionAt(37, order, 100), order, 100)).toBe(37);
  });

  it('pages positions by page size', () => {
    expect([1, 100, 101, 250].map((p) => pageOf(p, 100))).toEqual([0, 0, 1, 2]);
    expect(pageStart(2, 100)).toBe(201);
  });

  it('asks only for the pages in view, nearest the middle first', () => {
    expect(pagesFor({ start: 0, end: 20 }, 'oldest-first', 100_000, 100)).toEqual([0]);
    expect(pagesFor({ start: 50_050, end: 50_075 }, 'oldest-first', 100_000, 100, 10)).toEqual([500]);
    expect(pagesFor({ start: 195, end: 215 }, 'oldest-first', 100_000, 100)).toEqual([2, 1]);
    expect(pagesFor({ start: 0, end: 20 }, 'newest-first', 100_000, 100)).toEqual([999]);
    expect(pagesFor({ start: 0, end: 30 }, 'oldest-first', 0, 100)).toEqual([]);
    expect(pagesFor({ start: 90, end: 320 }, 'oldest-first', 1000, 100)).toEqual([2, 1, 3, 0]);
  });

  it('keeps a bounded number of pages, dropping the least recently used', () => {
    const cache = new PageCache<string>(2);
    cache.set(1, 'a');
    cache.set(2, 'b');
    cache.get(1);
    cache.set(3, 'c');
    expect([cache.has(1), cache.has(2), cache.has(3), cache.size]).toEqual([true, false, true, 2]);
  });
});
