/**
 * Child process of the cross-process `Documents.create` race: waits for `go`
 * on stdin, then tries to create every id of the race (each in its own
 * transaction, several at a time) and prints the ids it won.
 *
 * Run with: node --conditions=@chronicle/source --import tsx create-race-child.ts <db> <ids>
 */
import { createInterface } from 'node:readline';
import { createSqliteStore } from '../index.js';

const [path, idsArg] = process.argv.slice(2) as [string, string];
const store = createSqliteStore({ path });
const say = (line: string): boolean => process.stdout.write(`${line}\n`);
say('ready');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.on('line', (line) => line === 'go' && resolve()));
lines.close();
const ids = Array.from({ length: Number(idsArg) }, (_, i) => `id-${i}`);
const won = await Promise.all(ids.map((id) => store.projections.transaction((tx) => tx.documents.create('race', id, { pid: process.pid }))));
say(`won ${JSON.stringify(ids.filter((_, i) => won[i]))}`);
await store.close();
