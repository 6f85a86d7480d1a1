#!/usr/bin/env node
// `chronicle`: runs the compiled CLI (dist/main.js) when the package was built,
// otherwise the TypeScript sources under tsx in a child process with the
// `@chronicle/source` condition (the workspace's development setup).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/main.js', import.meta.url);
const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));

if (existsSync(dist) && !process.env.CHRONICLE_CLI_FROM_SOURCE) {
  // Application modules (chronicle.config.ts, --decider x.ts) may be TypeScript: load them through tsx when it is installed.
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    // no tsx: JavaScript application modules only
  }
  await import(dist.href);
} else {
  const child = spawn(process.execPath, ['--conditions=@chronicle/source', '--import', 'tsx', source, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 128 + 15 : 1);
  });
}
