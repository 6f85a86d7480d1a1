import { statSync, truncateSync, writeFileSync } from 'node:fs';
import { isChronicleError, type RecordedEvent } from '@chronicle/core';
import { damageFile } from '@chronicle/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { checkIntegrity } from './check-integrity.js';
import { createSqliteStore } from './sqlite-store.js';
import { tempDir } from './test-support/temp-dir.js';

const temp = tempDir('chronicle-corrupt');
afterAll(() => temp.remove());

/** A closed store file of 3,000 events of ~600 bytes over 30 streams (~2 MB, every page checkpointed into the file). */
async function filledFile(): Promise<string> {
  const file = temp.file();
  const store = createSqliteStore({ path: file, synchronous: 'NORMAL' });
  for (let batch = 0; batch < 30; batch++) {
    await store.append(`s-${batch}`, Array.from({ length: 100 }, (_, i) => ({ type: 'Filled', data: { i, text: 'x'.repeat(600) } })), 'no_stream');
  }
  await store.close();
  return file;
}

async function readEverything(store: ReturnType<typeof createSqliteStore>): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

describe('a damaged SQLite file', () => {
  it('is refused at open with STORE_CORRUPT naming what quick_check found', async () => {
    const file = await filledFile();
    expect(checkIntegrity(file)).toEqual([]);
    damageFile(file, { blocks: 20 });
    let thrown: unknown;
    try {
      createSqliteStore({ path: file });
    } catch (error) {
      thrown = error;
    }
    expect(isChronicleError(thrown, 'STORE_CORRUPT'), String(thrown)).toBe(true);
    expect((thrown as Error).message).toContain(file);
    expect(checkIntegrity(file).length).toBeGreaterThan(0);
  });

  it('opened without the check, reads that meet a damaged page fail with STORE_CORRUPT, never a raw driver error', async () => {
    const file = await filledFile();
    damageFile(file, { blocks: 20 });
    const store = createSqliteStore({ path: file, integrityCheck: 'off' });
    try {
      const failure = await readEverything(store).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isChronicleError(failure, 'STORE_CORRUPT'), String(failure)).toBe(true);
      expect((failure as Error).message).toContain('chronicle verify');
    } finally {
      await store.close();
    }
  });

  it('a truncated file is refused with STORE_CORRUPT', async () => {
    const file = await filledFile();
    truncateSync(file, Math.floor(statSync(file).size / 2));
    expect(() => createSqliteStore({ path: file })).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
    expect(checkIntegrity(file).length).toBeGreaterThan(0);
  });

  it('a file that is not a database is refused with STORE_CORRUPT', () => {
    const file = temp.file();
    writeFileSync(file, 'this is not a database, just text that is long enough to look like a header'.repeat(100));
    expect(() => createSqliteStore({ path: file })).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
  });
});
