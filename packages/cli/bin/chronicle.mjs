#!/usr/bin/env node
// `chronicle`: runs the compiled CLI (dist/main.js) when the package was
// built, otherwise the TypeScript sources under tsx with the
// `@chronicle/source` condition (the workspace's development setup). Either
// way in a child process, for its V8 flags: a 4 MB young generation keeps the
// RSS of streaming export/import flat (they make short-lived garbage only).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const fromSource = !existsSync(dist) || Boolean(process.env.CHRONICLE_CLI_FROM_SOURCE);
// tsx is resolved from here, not from the working directory the user runs `chronicle` in.
const flags = ['--max-semi-space-size=4', ...(fromSource ? ['--conditions=@chronicle/source', '--import', import.meta.resolve('tsx'), source] : [dist])];

const child = spawn(process.execPath, [...flags, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 143);
});
