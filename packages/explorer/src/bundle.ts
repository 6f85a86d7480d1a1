import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the built single-page app lives: `dist/ui` of this package, the same
 * folder whether this module runs from `src/` (sources) or `dist/` (built).
 */
export const defaultBundleDir: string = fileURLToPath(new URL('../dist/ui/', import.meta.url));

/** Whether a built bundle (its `index.html`) is present in `dir`. */
export function hasBundle(dir: string = defaultBundleDir): boolean {
  return existsSync(path.join(dir, 'index.html'));
}

/** The command that builds the bundle, for messages. */
export const buildCommand = 'npm run build -w @chronicle/explorer';
