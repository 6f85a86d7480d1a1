import { conformanceCases, describeEventStore } from '@chronicle/core/conformance';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { createNatsStore } from './nats-store.js';
import { DEFAULT_NATS_URL } from './options.js';
import { hasAtomicBatches } from './server-version.js';
import { serverVersionAt } from './test-support/reachable.js';
import { deleteStreams, uniqueLayout } from './test-support/nats-test-env.js';

/**
 * The machine's own NATS (Debian bookworm's nats-server 2.9) stays in use for
 * what it can do: single-stream appends and reads, on one node. What needs
 * atomic batch publish (2.12) is refused with NOT_SUPPORTED naming the server's
 * version, and nothing is written; replicated streams (2.10) likewise.
 */
const url = process.env.CHRONICLE_NATS_URL || DEFAULT_NATS_URL;

async function streamExists(servers: string, name: string): Promise<boolean> {
  const nc = await connect({ servers });
  try {
    const jsm = await jetstreamManager(nc);
    return await jsm.streams.info(name).then(
      () => true,
      () => false,
    );
  } finally {
    await nc.close();
  }
}
const version = await serverVersionAt(url);
const old = version !== undefined && !hasAtomicBatches(version);
if (!old)
  console.warn(
    `\n⚠ ${url} runs nats-server ${version ?? '(unreachable)'}, not one older than 2.12: refusal tests skipped\n`,
  );

describe.skipIf(!old)(`NATS store on an older server (${url}, nats-server ${version})`, () => {
  const layout = uniqueLayout('old');
  afterAll(() => deleteStreams(url, layout.stream));

  it('refuses multi-stream appends with NOT_SUPPORTED naming the version it needs, writing nothing', async () => {
    const store = await createNatsStore({ servers: url, ...layout });
    try {
      expect(store.info.multiStreamAppend).toBe(false);
      const head = await store.headPosition();
      const refusal = store.appendMulti([
        { streamId: 'a', events: [{ type: 'T', data: 1 }], expectedVersion: 'no_stream' },
        { streamId: 'b', events: [{ type: 'T', data: 1 }], expectedVersion: 'no_stream' },
      ]);
      await expect(refusal).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
      await expect(refusal).rejects.toThrow(`nats-server ${version} lacks: use nats-server 2.12.0 or later`);
      expect(await store.headPosition()).toBe(head);
    } finally {
      await store.close();
    }
  });

  it('refuses stream metadata and deletion with NOT_SUPPORTED, writing nothing', async () => {
    const store = await createNatsStore({ servers: url, ...layout });
    try {
      await store.append('kept', [{ type: 'T', data: 1 }], 'no_stream');
      const head = await store.headPosition();
      await expect(store.setStreamMetadata('kept', { maxCount: 1 })).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
      await expect(store.deleteStream('kept')).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
      await expect(store.deleteStream('kept', { mode: 'hard' })).rejects.toThrow('use nats-server 2.12.0 or later');
      expect(await store.headPosition()).toBe(head);
      expect(await store.getStreamInfo('kept')).toEqual({ streamId: 'kept', version: 1 });
      expect(await store.getStreamMetadata('kept')).toEqual({});
    } finally {
      await store.close();
    }
  });

  it('with requireAtomicBatches, refuses to open before creating any stream', async () => {
    const fresh = uniqueLayout('required');
    const refusal = createNatsStore({ servers: url, ...fresh, requireAtomicBatches: true });
    await expect(refusal).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    await expect(refusal).rejects.toThrow(`nats-server ${version} lacks: use nats-server 2.12.0 or later`);
    expect(await streamExists(url, fresh.stream)).toBe(false);
  });

  it('refuses replicated streams (R3) with NOT_SUPPORTED', async () => {
    await expect(createNatsStore({ servers: url, ...uniqueLayout('r3'), replicas: 3 })).rejects.toMatchObject({
      code: 'NOT_SUPPORTED',
    });
  });
});

// Everything else of the contract holds there.
if (old) {
  const layout = uniqueLayout('oldconf');
  const lifecycle = conformanceCases
    .filter((c) => c.requires?.lifecycle)
    .map((c) => [c.name, `nats-server ${version} has no atomic batch publish (tested above)`]);
  describeEventStore(`nats on nats-server ${version}`, () => createNatsStore({ servers: url, ...layout }), {
    skip: Object.fromEntries(lifecycle),
    afterAll: () => deleteStreams(url, layout.stream),
  });
}
