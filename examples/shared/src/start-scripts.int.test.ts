import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const examplesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const root = join(examplesDir, '..');

/** Every example package (the folders with a package.json), as the examples README promises: runnable programs. */
const examples = readdirSync(examplesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => join(examplesDir, entry.name, 'package.json'))
  .filter((file) => {
    try {
      readFileSync(file);
      return true;
    } catch {
      return false;
    }
  })
  .map((file) => JSON.parse(readFileSync(file, 'utf8')) as { name: string; scripts?: Record<string, string> });

it('there are examples to check', () => {
  expect(examples.length).toBeGreaterThanOrEqual(5);
});

it.each(examples.map((example) => [example.name, example] as const))(
  '%s has a start script that runs to completion',
  { timeout: 60_000 },
  async (name, example) => {
    expect(example.scripts?.start, `${name} has no start script`).toBeDefined();
    const { stdout } = await run('npm', ['start', '--silent', '--workspace', name], { cwd: root, timeout: 50_000 });
    expect(stdout.trim().length).toBeGreaterThan(0);
  },
);
