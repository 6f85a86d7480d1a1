import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { startMain } from './main-process.js';

/** What {@link runSseLoad} does. */
export type SseLoadOptions = {
  /** Subscribers that read everything. */
  readonly readers: number;
  /** Subscribers that connect and never read. */
  readonly stalled: number;
  /** Events appended while they are connected, in appends of `batch`. */
  readonly events: number;
  readonly batch: number;
  /** Size of each event's data, in bytes. */
  readonly eventBytes: number;
  /** Times the whole cycle runs (connect, append, all close) on the same server (default 1). */
  readonly rounds?: number;
  /** CHRONICLE_SSE_STALL_TIMEOUT_MS of the server (its default otherwise). */
  readonly stallTimeoutMs?: number;
};

/** What {@link runSseLoad} measured in the server process (RSS from its /metrics, MB; latencies in ms). */
export type SseLoadResult = {
  /** Before the warm-up appends (the baseline is after them). */
  readonly coldRssMb: number;
  readonly baselineRssMb: number;
  readonly peakRssMb: number;
  /** After the last round (`afterRssPerRoundMb`: after each). */
  readonly afterRssMb: number;
  readonly afterRssPerRoundMb: readonly number[];
  /** V8's used heap and its external memory (Buffers), before and after. */
  readonly heapMb: { readonly baseline: number; readonly after: number };
  readonly externalMb: { readonly baseline: number; readonly after: number };
  readonly baselineGauge: number;
  readonly connectedGauge: number;
  readonly afterGauge: number;
  /** How long the gauge took to return to its baseline once every client had closed. */
  readonly gaugeBackMs: number;
  /** Stalled clients the server disconnected while the events were sent. */
  readonly stalledCut: number;
  /** Events every reader received (each must have them all). */
  readonly eventsPerReader: readonly number[];
  /** `GET /v1/streams/:id` alone for 2 s before any subscriber (the machine's own noise). */
  readonly controlReads: number;
  readonly controlP50Ms: number;
  readonly controlP99Ms: number;
  /** `GET /v1/streams/:id` answered while subscribers connected, received and left. */
  readonly reads: number;
  readonly readP50Ms: number;
  readonly readP99Ms: number;
  readonly readMaxMs: number;
  readonly fanOutMs: number;
};

const TOKEN = 'sse-load-token';
/** The line that marks each event frame (heartbeats and the greeting are comments). */
const FRAME = '\nevent: event\n';

/** The prober thread: GET its URL in a loop; 'load' switches from the control figures, 'stop' posts both. */
const PROBER = `
const { parentPort, workerData } = require('node:worker_threads');
const figures = { control: [], load: [] };
let phase = 'control';
let running = true;
parentPort.on('message', (message) => {
  if (message === 'load') phase = 'load';
  else running = false;
});
(async () => {
  while (running) {
    const started = performance.now();
    const response = await fetch(workerData.url);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error('GET ' + workerData.url + ' answered ' + response.status);
    figures[phase].push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  parentPort.postMessage(figures);
})().catch((error) => parentPort.postMessage({ ...figures, error: String(error) }));
`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Sample = { rssMb: number; heapMb: number; externalMb: number; subscribers: number };

async function metrics(url: string): Promise<Sample> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`no ${name} in /metrics`);
    return Number(line.split(' ')[1]);
  };
  const mb = (name: string): number => value(name) / 1024 / 1024;
  return {
    rssMb: mb('chronicle_process_resident_memory_bytes'),
    heapMb: mb('chronicle_nodejs_heap_size_used_bytes'),
    externalMb: mb('chronicle_nodejs_external_memory_bytes'),
    subscribers: value('chronicle_sse_subscribers'),
  };
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
  return Date.now() - started;
}

/** What one cycle left: the gauge with everyone connected and how fast it came back, the sample after it. */
type Round = {
  connectedGauge: number;
  gaugeBackMs: number;
  fanOutMs: number;
  stalledCut: number;
  after: Sample;
  eventsPerReader: number[];
};

/** A raw SSE client: counts the events it receives (or reads nothing at all). */
type Client = { readonly socket: Socket; received: number; closedByServer: boolean };

function subscribe(url: string, reads: boolean): Promise<Client> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  const client: Client = { socket, received: 0, closedByServer: false };
  socket.on('error', () => undefined);
  socket.on('close', () => (client.closedByServer = true));
  socket.write(`GET /v1/subscribe HTTP/1.1\r\nhost: load\r\n\r\n`);
  return new Promise((resolve) => {
    let tail = '';
    socket.once('data', () => {
      resolve(client);
      if (!reads) socket.pause();
    });
    if (!reads) return;
    socket.on('data', (chunk: Buffer) => {
      // Count frames by their `event: event` line (split across chunks: keep a short tail).
      const text = tail + chunk.toString('latin1');
      let at = text.indexOf(FRAME);
      while (at !== -1) {
        client.received += 1;
        at = text.indexOf(FRAME, at + 1);
      }
      // Shorter than the marker, so no frame is counted twice.
      tail = text.slice(-(FRAME.length - 1));
    });
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

/**
 * The issue-21 SSE target against `npm start` (Downloads on SQLite) in a child
 * process: `readers` subscribers plus `stalled` ones that never read, events
 * appended while they are connected, then every client closes. Measures the
 * server's RSS and `chronicle_sse_subscribers` from its /metrics and the
 * latency of a concurrent `GET /v1/streams/:id` throughout.
 */
export async function runSseLoad(options: SseLoadOptions): Promise<SseLoadResult> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sse-load-'));
  const server = await startMain(dataDir, {
    CHRONICLE_API_TOKEN: TOKEN,
    LOG_LEVEL: 'error',
    ...(options.stallTimeoutMs ? { CHRONICLE_SSE_STALL_TIMEOUT_MS: String(options.stallTimeoutMs) } : {}),
  });
  const { url } = server;
  const post = (stream: string, body: unknown) =>
    fetch(`${url}/v1/streams/${stream}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    }).then(async (response) => {
      if (response.status !== 201) throw new Error(`append answered ${response.status}: ${await response.text()}`);
    });
  const everyClient: Client[][] = [];
  try {
    await post('probe-1', { events: Array.from({ length: 20 }, (_, n) => ({ type: 'Probed', data: { n } })) });
    // Warm up the read path, then append as many events as the run will, with no subscriber: what storing
    // them costs (SQLite's caches, the heap the appends grow) is in the baseline, so the figures are the SSE's.
    for (let i = 0; i < 50; i++) await fetch(`${url}/v1/streams/probe-1`).then((r) => r.arrayBuffer());
    const cold = await metrics(url);
    const data = 'x'.repeat(options.eventBytes);
    const appendAll = async (prefix: string): Promise<void> => {
      for (let written = 0; written < options.events; written += options.batch) {
        const events = Array.from({ length: Math.min(options.batch, options.events - written) }, (_, i) => ({
          type: 'Loaded',
          data: { n: written + i, data },
        }));
        await post(`${prefix}-${written % 7}`, { events });
      }
    };
    await appendAll('warm');
    await sleep(500);
    const baseline = await metrics(url);

    // A reader of one stream, all along: its latency is the "other requests" of the target. It runs on a
    // thread of its own, so what it measures is the server, not this thread's event loop busy with the subscribers.
    const prober = new Worker(PROBER, { eval: true, workerData: { url: `${url}/v1/streams/probe-1` } });
    const probed = new Promise<{ control: number[]; load: number[]; error?: string }>((resolve, reject) => {
      prober.once('message', resolve);
      prober.once('error', reject);
    });
    let peakRss = baseline.rssMb;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakRss = Math.max(peakRss, (await metrics(url)).rssMb);
        await sleep(100);
      }
    })();

    await sleep(2_000);
    prober.postMessage('load');
    const rounds: Round[] = [];
    for (let round = 0; round < (options.rounds ?? 1); round++) {
      const clients: Client[] = [];
      everyClient.push(clients);
      for (let i = 0; i < options.readers; i += 50) {
        const opened = await Promise.all(
          Array.from({ length: Math.min(50, options.readers - i) }, () => subscribe(url, true)),
        );
        clients.push(...opened);
      }
      const stalled = await Promise.all(Array.from({ length: options.stalled }, () => subscribe(url, false)));
      clients.push(...stalled);
      const total = options.readers + options.stalled;
      let connectedGauge = 0;
      await until(
        async () => (connectedGauge = (await metrics(url)).subscribers) === baseline.subscribers + total,
        30_000,
        'every subscriber',
      );

      const fanOutStarted = Date.now();
      await appendAll(`load${round}`);
      const readers = clients.slice(0, options.readers);
      await until(
        async () => readers.every((c) => c.received >= options.events),
        180_000,
        'every reader to receive every event',
      );
      const fanOutMs = Date.now() - fanOutStarted;
      const stalledCut = stalled.filter((c) => c.closedByServer).length;

      for (const client of clients) client.socket.destroy();
      const gaugeBackMs = await until(
        async () => (await metrics(url)).subscribers === baseline.subscribers,
        10_000,
        'the gauge back at its baseline',
      );
      // Memory is given back as the collector runs: wait up to 15 s for it to settle near the baseline.
      let after = await metrics(url);
      await until(
        async () => {
          after = await metrics(url);
          return after.rssMb - baseline.rssMb < 20;
        },
        15_000,
        'RSS back near its baseline',
      ).catch(() => undefined);
      rounds.push({
        connectedGauge,
        gaugeBackMs,
        fanOutMs,
        stalledCut,
        after,
        eventsPerReader: readers.map((c) => c.received),
      });
    }
    sampling = false;
    prober.postMessage('stop');
    const [{ control, load, error }] = await Promise.all([probed, sampler]);
    await prober.terminate();
    if (error) throw new Error(error);
    const last = rounds[rounds.length - 1]!;
    const sorted = [...load].sort((a, b) => a - b);
    const controlSorted = [...control].sort((a, b) => a - b);
    return {
      coldRssMb: cold.rssMb,
      baselineRssMb: baseline.rssMb,
      peakRssMb: peakRss,
      afterRssMb: last.after.rssMb,
      afterRssPerRoundMb: rounds.map((r) => r.after.rssMb),
      heapMb: { baseline: baseline.heapMb, after: last.after.heapMb },
      externalMb: { baseline: baseline.externalMb, after: last.after.externalMb },
      baselineGauge: baseline.subscribers,
      // The same in every round, else NaN.
      connectedGauge: rounds.every((r) => r.connectedGauge === last.connectedGauge) ? last.connectedGauge : Number.NaN,
      afterGauge: last.after.subscribers,
      gaugeBackMs: Math.max(...rounds.map((r) => r.gaugeBackMs)),
      stalledCut: rounds.reduce((sum, r) => sum + r.stalledCut, 0),
      eventsPerReader: rounds.flatMap((r) => r.eventsPerReader),
      controlReads: controlSorted.length,
      controlP50Ms: percentile(controlSorted, 0.5),
      controlP99Ms: percentile(controlSorted, 0.99),
      reads: sorted.length,
      readP50Ms: percentile(sorted, 0.5),
      readP99Ms: percentile(sorted, 0.99),
      readMaxMs: sorted[sorted.length - 1] ?? Number.NaN,
      fanOutMs: Math.max(...rounds.map((r) => r.fanOutMs)),
    };
  } finally {
    for (const client of everyClient.flat()) client.socket.destroy();
    server.child.kill('SIGTERM');
    await server.exited();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
