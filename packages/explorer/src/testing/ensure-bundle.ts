import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds the explorer bundle when it is missing or older than its sources (what `npm install` does too). */
export function ensureBundle(): void {
  const script = fileURLToPath(new URL('../../scripts/build-ui.mjs', import.meta.url));
  execFileSync(process.execPath, [script, '--if-stale'], { stdio: 'inherit' });
}
