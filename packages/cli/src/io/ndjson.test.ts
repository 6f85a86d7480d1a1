import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines } from './ndjson.js';

const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-lines-'));

async function lines(content: string | Buffer): Promise<[number, string][]> {
  const file = path.join(dir, `${Math.random()}.txt`);
  writeFileSync(file, content);
  const found: [number, string][] = [];
  for await (const { lineNumber, text } of readLines(file)) found.push([lineNumber, text]);
  return found;
}

describe('readLines', () => {
  it('splits on LF and CRLF, skips blank lines, keeps line numbers and reads a last line without newline', async () => {
    expect(await lines('a\r\n\nb\n  \nc')).toEqual([
      [1, 'a'],
      [3, 'b'],
      [5, 'c'],
    ]);
  });

  it('joins lines and multi-byte characters split across read chunks', async () => {
    const long = `${'x'.repeat(256 * 1024 - 1)}é€😀`;
    expect(await lines(`${long}\nnext\n`)).toEqual([
      [1, long],
      [2, 'next'],
    ]);
  });
});
