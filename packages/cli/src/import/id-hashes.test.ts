import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdHashSet, idHash } from './id-hashes.js';

describe('IdHashSet', () => {
  it('finds repeated ids and membership across growth', () => {
    const set = new IdHashSet();
    const ids = Array.from({ length: 200_000 }, () => randomUUID());
    for (const id of ids) set.add(id);
    set.add(ids[123]!);
    expect(set.repeated()).toEqual(new Set([idHash(ids[123]!)]));
    expect(set.has(idHash(ids[199_999]!))).toBe(true);
    expect(set.has(idHash('not-there'))).toBe(false);
  });

  it('hashes differ for ids that differ in one character or in order', () => {
    expect(idHash('abc')).not.toBe(idHash('abd'));
    expect(idHash('ab')).not.toBe(idHash('ba'));
    expect(new Set(Array.from({ length: 100_000 }, (_, i) => idHash(`event-${i}`))).size).toBe(100_000);
  });
});
