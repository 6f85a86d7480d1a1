import { describe, expect, it } from 'vitest';
import { HeadCache } from './head-cache.js';

describe('head cache', () => {
  it('keeps the newest head per stream and never goes back', () => {
    const heads = new HeadCache();
    heads.remember('s', { version: 3, sequence: 10 });
    heads.remember('s', { version: 2, sequence: 8 });
    expect(heads.get('s')).toEqual({ version: 3, sequence: 10 });
    heads.remember('s', { version: 5, sequence: 12 });
    expect(heads.get('s')).toEqual({ version: 5, sequence: 12 });
  });

  it('evicts the least recently used stream beyond its capacity', () => {
    const heads = new HeadCache(2);
    heads.remember('a', { version: 1, sequence: 1 });
    heads.remember('b', { version: 1, sequence: 2 });
    heads.get('a');
    heads.remember('c', { version: 1, sequence: 3 });
    expect(heads.get('b')).toBeUndefined();
    expect(heads.get('a')).toBeDefined();
    expect(heads.get('c')).toBeDefined();
  });
});
