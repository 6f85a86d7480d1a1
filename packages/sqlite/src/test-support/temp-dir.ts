import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory and a function that deletes it. */
export function tempDir(label = 'chronicle-sqlite'): { readonly dir: string; readonly file: (name?: string) => string; readonly remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  let n = 0;
  return {
    dir,
    file: (name) => join(dir, name ?? `store-${++n}.db`),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
