import { describe, expect, it } from 'vitest';
import { uuidV7 } from './uuid-v7.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV7', () => {
  it('makes RFC 9562 version-7 UUIDs carrying the millisecond time', () => {
    const now = Date.now() + 1_000;
    const id = uuidV7(now);
    expect(id).toMatch(V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it('is strictly increasing within the process, even for many ids in one millisecond', () => {
    const at = Date.now() + 2_000;
    // More than the 12-bit counter holds: the time borrows the next millisecond rather than repeat.
    const ids = Array.from({ length: 10_000 }, () => uuidV7(at));
    expect(ids.filter((id) => !V7.test(id))).toEqual([]);
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('does not go backwards when the clock does', () => {
    const first = uuidV7(Date.now() + 5_000);
    const second = uuidV7(Date.now());
    expect(second > first).toBe(true);
  });
});
