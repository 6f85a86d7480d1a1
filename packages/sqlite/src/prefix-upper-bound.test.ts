import { describe, expect, it } from 'vitest';
import { prefixUpperBound } from './prefix-upper-bound.js';

const bytes = (s: string): Buffer => Buffer.from(s);

describe('prefixUpperBound', () => {
  it('is the smallest string above every string with the prefix, in UTF-8 byte order', () => {
    expect(prefixUpperBound('orders/')).toBe('orders0');
    expect(prefixUpperBound('a%')).toBe('a&');
    expect(prefixUpperBound('é')).toBe('ê');
    expect(prefixUpperBound('x\u{10ffff}')).toBe('y');
    expect(prefixUpperBound('\ud7ff')).toBe('\ue000');
    expect(prefixUpperBound('🎉')).toBe('🎊');
  });

  it('has no bound for the empty prefix or one made of the highest code point', () => {
    expect(prefixUpperBound('')).toBeUndefined();
    expect(prefixUpperBound('\u{10ffff}\u{10ffff}')).toBeUndefined();
  });

  it('orders like the bytes SQLite compares', () => {
    for (const prefix of ['a', 'Z~', 'é', '中文', '🎉x', 'a\u007e']) {
      const upper = prefixUpperBound(prefix)!;
      for (const inside of [prefix, `${prefix}\u0000`, `${prefix}zz`, `${prefix}\u{10ffff}`, `${prefix}é`]) {
        expect(Buffer.compare(bytes(inside), bytes(upper)), `${inside} < ${upper}`).toBe(-1);
      }
      expect(Buffer.compare(bytes(upper), bytes(prefix))).toBe(1);
    }
  });
});
