import { describe, expect, it } from 'vitest';
import { EMPTY_HEAD, HeadCache, type StreamHead } from './head-cache.js';

const head = (version: number, sequence: number): StreamHead => ({ ...EMPTY_HEAD, version, sequence });

describe('head cache', () => {
  it('keeps the newest head per stream and never goes back', () => {
    const heads = new HeadCache();
    heads.remember('s', head(3, 10));
    heads.remember('s', head(2, 8));
    expect(heads.get('s')).toEqual(head(3, 10));
    heads.remember('s', head(5, 12));
    expect(heads.get('s')).toEqual(head(5, 12));
  });

  it('evicts the least recently used stream beyond its capacity', () => {
    const heads = new HeadCache(2);
    heads.remember('a', head(1, 1));
    heads.remember('b', head(1, 2));
    heads.get('a');
    heads.remember('c', head(1, 3));
    expect(heads.get('b')).toBeUndefined();
    expect(heads.get('a')).toBeDefined();
    expect(heads.get('c')).toBeDefined();
  });
});
