/** Where a consumer (projection runner, reactor, outbox relay) stands. */
export type ConsumerState = 'stopped' | 'catching-up' | 'live' | 'failing' | 'standby';

/** Status of one consumer, as shown by `GET /v1/projections` and the CLI. */
export type ConsumerStatus = {
  /** Checkpoint name, e.g. `students` or `students@v2`. */
  readonly name: string;
  readonly state: ConsumerState;
  /** Global position of the last event processed (0 before the first). */
  readonly position: number;
  /** The store's head when last checked. */
  readonly head: number;
  /** `head - position`: events still to process (an upper bound when positions have gaps). */
  readonly lagEvents: number;
  /** Age of the oldest unprocessed event, in seconds (0 when caught up). */
  readonly lagSeconds: number;
  /** Processing rate over the last few seconds. */
  readonly eventsPerSecond: number;
  /** Events handled since this runner started. */
  readonly processed: number;
  /** Consecutive failures of the current batch (0 when healthy). */
  readonly failures: number;
  readonly lastError?: { readonly message: string; readonly at: string };
  /** Events parked by this consumer (reactors). */
  readonly parked?: number;
};

/** Tracks events/s over a sliding window. */
export class RateMeter {
  #samples: [number, number][] = [];
  constructor(private readonly windowMs = 5_000) {}

  record(count: number, now = Date.now()): void {
    this.#samples.push([now, count]);
    this.#trim(now);
  }

  perSecond(now = Date.now()): number {
    this.#trim(now);
    if (this.#samples.length === 0) return 0;
    const total = this.#samples.reduce((sum, [, count]) => sum + count, 0);
    const span = Math.max(now - this.#samples[0]![0], 1_000);
    return (total * 1_000) / span;
  }

  #trim(now: number): void {
    while (this.#samples.length > 0 && this.#samples[0]![0] < now - this.windowMs) this.#samples.shift();
  }
}
