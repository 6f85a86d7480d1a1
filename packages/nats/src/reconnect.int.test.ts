import type { RecordedEvent } from '@chronicle/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsStore } from './nats-store.js';
import { findNatsServer, startNatsCluster, type NatsCluster } from './testing/index.js';

// Any nats-server will do for a single node: the machine's 2.9 or the installed 2.10.
const binary = findNatsServer('2.9.0');
if (!binary) {
  if (process.env.CI === 'true') throw new Error('no nats-server binary for the NATS reconnect test; CI=true requires it');
  console.warn('\n⚠ no nats-server binary: NATS reconnect test skipped\n');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!binary)(`NATS store: server restarts (standalone nats-server ${binary?.version})`, () => {
  let server: NatsCluster;

  beforeAll(async () => {
    server = await startNatsCluster({ binary: binary!.path, size: 1 });
  }, 150_000);
  afterAll(() => server?.stop());

  it('an append during a SIGKILL + restart completes once the server is back; a live subscription carries on', async () => {
    const node = server.nodes[0]!;
    const store = await createNatsStore({ servers: node.url, stream: 'RECONNECT', subjectPrefix: 'reconnect', requestTimeoutMs: 500 });
    await store.append('s', [{ type: 'Before', data: 1 }], 'no_stream');
    const received: RecordedEvent[] = [];
    const controller = new AbortController();
    const subscription = (async () => {
      for await (const event of store.subscribe({ signal: controller.signal })) received.push(event);
    })();
    while (received.length < 1) await sleep(20);

    await server.kill(node.name, 'SIGKILL');
    const during = store.append('s', [{ type: 'During', data: 2 }], 1);
    await sleep(1_500);
    await server.restart(node.name);
    const result = await during;
    expect(result.nextExpectedVersion).toBe(2);
    await store.append('s', [{ type: 'After', data: 3 }], 2);

    const deadline = Date.now() + 15_000;
    while (received.length < 3 && Date.now() < deadline) await sleep(50);
    controller.abort();
    await subscription;
    expect(received.map((e) => e.type)).toEqual(['Before', 'During', 'After']);
    const stored = [];
    for await (const event of store.readStream('s')) stored.push(event.type);
    expect(stored).toEqual(['Before', 'During', 'After']);
    await store.close();
  }, 60_000);
});
