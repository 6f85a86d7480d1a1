import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mountScratchDisk } from '../testing/scratch-disk.js';
import { appendFileDurable, writeFileAtomic } from './durable-files.js';

const dir = mkdtempSync(path.join(tmpdir(), 'durable-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces a file whole, with the mode asked for, leaving no temporary file', () => {
    const file = path.join(dir, 'token');
    writeFileAtomic(file, 'one\n', { mode: 0o600 });
    writeFileAtomic(file, 'two\n', { mode: 0o600 });
    expect(readFileSync(file, 'utf8')).toBe('two\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([]);
  });

  it('exclusive: the first writer wins, a second gets EEXIST and changes nothing', () => {
    const file = path.join(dir, 'first');
    writeFileAtomic(file, 'a', { exclusive: true });
    expect(() => writeFileAtomic(file, 'b', { exclusive: true })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(readFileSync(file, 'utf8')).toBe('a');
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([]);
  });
});

const disk = mountScratchDisk(256 * 1024);
const skipReason = typeof disk === 'string' ? disk : undefined;
if (skipReason && process.env.CI) throw new Error(skipReason);

describe.skipIf(skipReason !== undefined)('on a full disk (256 KiB tmpfs)', () => {
  const root = typeof disk === 'string' ? '' : disk.dir;
  afterAll(() => typeof disk !== 'string' && disk.remove());

  it('writeFileAtomic throws ENOSPC, keeps the old content and leaves no temporary file', () => {
    const file = path.join(root, 'rules.json');
    writeFileAtomic(file, '{"old":true}\n');
    expect(() => writeFileAtomic(file, 'x'.repeat(1024 * 1024))).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    expect(readFileSync(file, 'utf8')).toBe('{"old":true}\n');
    expect(readdirSync(root)).toEqual(['rules.json']);
    rmSync(file);
  });

  it('appendFileDurable throws ENOSPC and cuts a torn append back, so the next append starts a clean line', () => {
    const file = path.join(root, 'journal.ndjson');
    appendFileDurable(file, '{"n":1}\n');
    const filler = path.join(root, 'filler');
    // Fill the disk, then free 8 KiB: a 64 KiB append tears part-way.
    expect(() => writeFileSync(filler, Buffer.alloc(1024 * 1024))).toThrow();
    truncateSync(filler, statSync(filler).size - 8 * 1024);
    expect(() => appendFileDurable(file, `${JSON.stringify({ n: 2, pad: 'p'.repeat(64 * 1024) })}\n`)).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n');
    rmSync(filler);
    appendFileDurable(file, '{"n":3}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":3}\n');
  });

  it('appendFileDurable removes a file it created when the first append fails', () => {
    const filler = path.join(root, 'filler-2');
    expect(() => writeFileSync(filler, Buffer.alloc(1024 * 1024))).toThrow();
    const file = path.join(root, 'new-journal.ndjson');
    expect(() => appendFileDurable(file, 'x'.repeat(64 * 1024))).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    expect(existsSync(file)).toBe(false);
    rmSync(filler);
  });
});
