import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createNatsStore, type NatsEventStore } from '@chronicle/nats';
import { deleteStreams, testNatsUrl, uniqueLayout } from '@chronicle/nats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';
import { seedDownloads } from './test-support/seed-downloads.js';

const url = testNatsUrl('@chronicle/cli on NATS');

describe.skipIf(!url)('chronicle --nats: the CLI on NATS JetStream', () => {
  const layout = uniqueLayout('cli');
  const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-cli-nats-'));
  let store: NatsEventStore;
  let events = 0;
  beforeAll(async () => {
    // The stream name selects the store; its subjects start with it in lower case, as `npm start` makes them.
    store = await createNatsStore({ servers: url!, stream: layout.stream, subjectPrefix: layout.stream.toLowerCase() });
    await seedDownloads(store);
    for await (const _ of store.readAll()) events++;
  });
  afterAll(async () => {
    await store?.close();
    await deleteStreams(url!, layout.stream);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists, verifies and exports the store --nats and --nats-stream name, or CHRONICLE_NATS_URL', async () => {
    const args = ['--nats', url!, '--nats-stream', layout.stream];
    const streams = await runCli([...args, 'streams', '--category', 'license']);
    expect(streams.code, streams.stderr).toBe(0);
    expect(streams.stdout).toMatch(/^license-\S+\s+\d+$/m);
    const verify = await runCli([...args, 'verify']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toContain(`(stream ${layout.stream}): ${events} events`);
    const file = path.join(dir, 'events.ndjson');
    const env = { CHRONICLE_NATS_URL: url!, CHRONICLE_NATS_STREAM: layout.stream };
    const exported = await runCli(['export', file], { env });
    expect(exported.code, exported.stderr).toBe(0);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(events);
  });

  it('a mistyped --nats-stream is "no such store", and no stream is made', async () => {
    const typo = uniqueLayout('cli-typo').stream;
    const run = await runCli(['--nats', url!, '--nats-stream', typo, 'streams']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`no such store: nats://.* \\(stream ${typo}\\) \\(no such JetStream stream; `));
    await expect(createNatsStore({ servers: url!, stream: typo, subjectPrefix: typo.toLowerCase(), createStreams: false })).rejects.toThrow(/does not exist/);
  });

  it('refuses to guess: CHRONICLE_PG_URL and CHRONICLE_NATS_URL both set, or --pg with --nats', async () => {
    const both = await runCli(['streams'], { env: { CHRONICLE_PG_URL: 'postgres://h/db', CHRONICLE_NATS_URL: url! } });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('CHRONICLE_PG_URL and CHRONICLE_NATS_URL are both set');
    const flags = await runCli(['--pg', 'postgres://h/db', '--nats', url!, 'streams']);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain("option '--pg <url>' cannot be used with option '--nats <urls>'");
  });
});
