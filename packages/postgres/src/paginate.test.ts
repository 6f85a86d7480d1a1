import { describe, expect, it } from 'vitest';
import { pages, rowsOf } from './paginate.js';

async function* pagesOf(...all: number[][]): AsyncGenerator<readonly number[]> {
  for (const page of all) yield page;
}

describe('rowsOf', () => {
  it('hands out every row of every page, in order, mapped, then finishes', async () => {
    const out: string[] = [];
    for await (const row of rowsOf(pagesOf([1, 2], [], [3]), (n) => `#${n}`)) out.push(row);
    expect(out).toEqual(['#1', '#2', '#3']);
  });

  it('a consumer that stops early closes the page source', async () => {
    let closed = false;
    const source = (async function* () {
      try {
        yield [1, 2, 3];
        yield [4];
      } finally {
        closed = true;
      }
    })();
    for await (const row of rowsOf(source, (n) => n)) if (row === 2) break;
    expect(closed).toBe(true);
  });

  it('a failing mapping or page rejects the read', async () => {
    const bad = rowsOf(pagesOf([1]), () => {
      throw new Error('bad row');
    });
    await expect(bad.next()).rejects.toThrow('bad row');
    const failing = rowsOf(
      pages<number, number>({ fetch: () => Promise.reject(new Error('down')), advance: () => undefined }, 0, 10, 5),
      (n: number) => n,
    );
    await expect(failing.next()).rejects.toThrow('down');
  });
});
