#!/usr/bin/env node
// Builds the Explorer's single-page app into dist/ui with Vite: one bundle, no CDN,
// served by explorerPlugin() at /explorer.
//   node scripts/build-ui.mjs             build now
//   node scripts/build-ui.mjs --if-stale  build only when dist/ui is missing or older than its
//                                         sources (a hash of them is kept in dist/ui/.build-hash);
//                                         this is the package's `prepare`, so `npm install` / `npm ci`
//                                         leave a fresh bundle behind.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = path.join(root, 'dist', 'ui');
const stampFile = path.join(outDir, '.build-hash');
const inputs = ['ui', 'src/model', 'scripts/build-ui.mjs', 'package.json'];

function files(entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return [entry];
  return readdirSync(full, { withFileTypes: true })
    .filter((dirent) => !dirent.name.endsWith('.test.ts'))
    .flatMap((dirent) => files(path.join(entry, dirent.name)));
}

function sourceHash() {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap(files).sort()) hash.update(file).update('\0').update(readFileSync(path.join(root, file))).update('\0');
  return hash.digest('hex');
}

const hash = sourceHash();
const ifStale = process.argv.includes('--if-stale');
const fresh = () => existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === hash;
if (ifStale && fresh()) process.exit(0);

// Test files running in parallel may all find the bundle stale: one builds, the others wait for it.
const lock = path.join(root, 'dist', '.build-lock');
mkdirSync(path.dirname(lock), { recursive: true });
for (const started = Date.now(); ; ) {
  try {
    mkdirSync(lock);
    break;
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
    if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true }); // left by a killed build
    if (Date.now() - started > 180_000) throw new Error(`@chronicle/explorer: ${lock} held for 3 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
process.on('exit', () => rmSync(lock, { recursive: true, force: true }));
if (ifStale && fresh()) process.exit(0);

// Always a production build, even when started from a test runner (NODE_ENV=test would make the
// JSX transform emit development calls that React's production build does not have).
process.env.NODE_ENV = 'production';

let vite;
try {
  vite = await import('vite');
} catch {
  // An install without dev dependencies: nothing to build with; the plugin explains what is missing.
  console.warn('@chronicle/explorer: vite is not installed, the explorer bundle was not built');
  process.exit(ifStale ? 0 : 1);
}

const started = Date.now();
await vite.build({
  configFile: false,
  mode: 'production',
  root: path.join(root, 'ui'),
  base: '/explorer/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', development: false } },
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
});
writeFileSync(stampFile, `${hash}\n`);
console.log(`@chronicle/explorer: bundle built in ${Date.now() - started} ms -> ${path.relative(process.cwd(), outDir) || outDir}`);
