import { randomUUID } from 'node:crypto';
import { ChronicleError } from '../errors/chronicle-error.js';
import { ValidationError } from '../errors/errors.js';
import type { RecordedEvent } from '../events/event.js';
import type { EventStore } from '../store/event-store.js';
import { retryDelay, sleep } from '../commands/retry.js';
import type { ProjectionHost } from './host.js';
import { RateMeter, type ConsumerState, type ConsumerStatus } from './consumer-status.js';
import { consoleLogger, type Logger } from './logger.js';

/** Another runner advanced the checkpoint first; this batch was rolled back and will be re-read. */
export class CheckpointMovedError extends ChronicleError {
  readonly code = 'CHECKPOINT_MOVED';
  constructor(readonly checkpoint: string) {
    super(`checkpoint ${checkpoint} was advanced by another runner`);
  }
}

/** Options shared by every checkpointed consumer. */
export type ConsumerOptions = {
  readonly store: Pick<EventStore, 'readAll' | 'subscribe' | 'headPosition'>;
  readonly host: ProjectionHost<never> | ProjectionHost<unknown>;
  /** Events read per batch (default 1000). */
  readonly batchSize?: number;
  /**
   * Lease time-to-live; one process at a time runs the consumer (default 15 s).
   * The holder renews it every third of that. Where the store's leases end
   * with the holder's connection (PostgreSQL), a dead holder's lease is free
   * at once; elsewhere it is free once the TTL has passed.
   */
  readonly leaseTtlMs?: number;
  /**
   * How often a standby tries to take the lease (default a third of the TTL):
   * with the TTL, this bounds how long a dead holder's work waits for another
   * process. Must be below the TTL.
   */
  readonly leaseRetryMs?: number;
  /** Identifies this process in leases (default: a random id). */
  readonly owner?: string;
  /** Backoff after a failed batch (default 50 ms doubling to 5 s). */
  readonly retry?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  readonly logger?: Logger;
};

/** A running (or runnable) consumer of the global log. */
export interface Consumer {
  /** Checkpoint name. */
  readonly name: string;
  /** Starts processing in the background: catch-up, then live. Errors go to status and logs, and are retried. */
  start(): void;
  /** Stops after the batch in progress and releases the lease. */
  stop(): Promise<void>;
  /**
   * Processes everything up to the head as of this call, in the caller's
   * flow: resolves when done, rejects on the first failed batch. Does not need
   * the lease (checkpoint fencing keeps it safe next to a running instance).
   */
  catchUp(): Promise<ConsumerStatus>;
  status(): Promise<ConsumerStatus>;
  /** Resolves once the position reaches `position` (or rejects after `timeoutMs`). */
  waitFor(position: number, timeoutMs?: number): Promise<void>;
}

type PageProcessor = (page: readonly RecordedEvent[], from: number | undefined) => Promise<void>;

/** The catch-up/live loop with checkpoint, lease, retries and status, shared by runners, reactors and relays. */
export function createConsumer(
  name: string,
  options: ConsumerOptions,
  processPage: PageProcessor,
  extraStatus?: () => Promise<Partial<ConsumerStatus>>,
): Consumer {
  const { store } = options;
  const host = options.host as ProjectionHost<unknown>;
  const batchSize = options.batchSize ?? 1000;
  const leaseTtlMs = options.leaseTtlMs ?? 15_000;
  const leaseRetryMs = options.leaseRetryMs ?? leaseTtlMs / 3;
  if (!(leaseRetryMs > 0 && leaseRetryMs < leaseTtlMs)) {
    throw new ValidationError([{ path: 'leaseRetryMs', message: `must be above 0 and below leaseTtlMs (${leaseTtlMs})` }]);
  }
  const owner = options.owner ?? randomUUID();
  const logger = options.logger ?? consoleLogger;
  const retry = { initialDelayMs: options.retry?.initialDelayMs ?? 50, maxDelayMs: options.retry?.maxDelayMs ?? 5_000 };
  const rate = new RateMeter();

  let position: number | undefined;
  let loaded = false;
  let state: ConsumerState = 'stopped';
  let processed = 0;
  let failures = 0;
  let lastError: ConsumerStatus['lastError'];
  let running: Promise<void> | undefined;
  let stopper: AbortController | undefined;
  let lastHead = 0;
  const waiters = new Set<{ position: number; resolve: () => void }>();

  async function loadPosition(): Promise<void> {
    position = await host.transaction((tx) => tx.checkpoints.get(name));
    loaded = true;
    // The checkpoint may have moved without a batch of ours (another runner, a commit whose acknowledgement was lost).
    settleWaiters();
  }

  function settleWaiters(): void {
    for (const waiter of waiters) {
      if ((position ?? 0) >= waiter.position) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** One batch. Returns false when there was nothing to read. */
  async function step(): Promise<boolean> {
    if (!loaded) await loadPosition();
    const page: RecordedEvent[] = [];
    for await (const event of store.readAll({ after: position ?? 0, limit: batchSize })) page.push(event);
    if (page.length === 0) return false;
    try {
      await processPage(page, position);
    } catch (error) {
      if (error instanceof CheckpointMovedError) {
        logger.info({ consumer: name }, 'checkpoint moved by another runner; reloading');
        await loadPosition();
        return true;
      }
      throw error;
    }
    position = page[page.length - 1]!.globalPosition;
    processed += page.length;
    rate.record(page.length);
    settleWaiters();
    return true;
  }

  async function waitForEvents(signal: AbortSignal, timeoutMs: number): Promise<void> {
    const timeout = AbortSignal.timeout(Math.ceil(timeoutMs));
    const combined = AbortSignal.any([signal, timeout]);
    for await (const _event of store.subscribe({ after: position ?? 0, signal: combined, batchSize: 1 })) break;
  }

  async function loop(signal: AbortSignal): Promise<void> {
    let leaseCheckedAt = 0;
    while (!signal.aborted) {
      try {
        if (Date.now() - leaseCheckedAt > leaseTtlMs / 3) {
          if (!(await host.leases.acquire(name, owner, leaseTtlMs))) {
            state = 'standby';
            // Follow the lease holder's progress, so that waitFor() here resolves once the read model got there.
            await loadPosition();
            loaded = false;
            await sleep(leaseRetryMs);
            continue;
          }
          leaseCheckedAt = Date.now();
        }
        if (state === 'standby' || state === 'stopped') state = 'catching-up';
        const progressed = await step();
        if (failures > 0) logger.info({ consumer: name, position }, 'recovered');
        failures = 0;
        if (state === 'failing') state = 'catching-up';
        if (!progressed) {
          state = 'live';
          await waitForEvents(signal, leaseTtlMs / 3);
        }
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        state = 'failing';
        const message = error instanceof Error ? error.message : String(error);
        lastError = { message, at: new Date().toISOString() };
        logger.error({ consumer: name, position, failures, err: message }, 'batch failed; will retry');
        await sleep(retryDelay({ initialDelayMs: retry.initialDelayMs, maxDelayMs: retry.maxDelayMs }, failures));
        loaded = false;
      }
    }
  }

  async function status(): Promise<ConsumerStatus> {
    if (!loaded) await loadPosition();
    lastHead = await store.headPosition();
    const at = position ?? 0;
    let lagSeconds = 0;
    if (lastHead > at) {
      for await (const next of store.readAll({ after: at, limit: 1 })) lagSeconds = Math.max(0, (Date.now() - next.recordedAt.getTime()) / 1000);
    }
    return {
      name,
      state,
      position: at,
      head: lastHead,
      lagEvents: Math.max(0, lastHead - at),
      lagSeconds,
      eventsPerSecond: rate.perSecond(),
      processed,
      failures,
      ...(lastError ? { lastError } : {}),
      ...(extraStatus ? await extraStatus() : {}),
    };
  }

  return {
    name,
    start() {
      if (running) return;
      stopper = new AbortController();
      state = 'catching-up';
      const signal = stopper.signal;
      running = loop(signal).finally(() => {
        state = 'stopped';
      });
    },
    async stop() {
      stopper?.abort();
      await running;
      running = undefined;
      await host.leases.release(name, owner);
    },
    async catchUp() {
      const target = await store.headPosition();
      await loadPosition();
      const previous = state;
      if (state === 'stopped') state = 'catching-up';
      try {
        while ((position ?? 0) < target && (await step())) {
          // keep going
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        lastError = { message, at: new Date().toISOString() };
        throw error;
      } finally {
        if (previous === 'stopped') state = 'stopped';
      }
      return status();
    },
    status,
    waitFor(target, timeoutMs = 30_000) {
      if ((position ?? 0) >= target) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = { position: target, resolve: () => (clearTimeout(timer), resolve()) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${name} did not reach position ${target} within ${timeoutMs} ms (at ${position ?? 0})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}
