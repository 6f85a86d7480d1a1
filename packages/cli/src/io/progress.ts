import cliProgress from 'cli-progress';

/** A progress display for one long operation. */
export type Progress = {
  /** Sets the current value (and optionally a new total); `events` is shown beside a byte count. */
  update(value: number, total?: number, events?: number): void;
  stop(): void;
};

const quiet: Progress = { update: () => undefined, stop: () => undefined };

const byteUnits = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** A byte count in human units: `512 B`, `2.3 MB`, `63.6 MB`, `1.2 GB` (powers of 1000). */
export function humanBytes(bytes: number): string {
  let unit = 0;
  let value = bytes;
  while (value >= 1000 && unit < byteUnits.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 ? 0 : 1;
  const format = new Intl.NumberFormat('en-US', { style: 'unit', unit: byteUnits[unit], unitDisplay: 'short', maximumFractionDigits: digits });
  return format.format(value).replace('byte', 'B');
}

/**
 * A progress bar on stderr with rate and ETA, or nothing when stderr is not a
 * terminal (pipes, CI, tests) or when `enabled` is false (`--no-progress`).
 * With `unit: 'bytes'` the counts are in human units and the events read so far are shown.
 */
export function createProgress(label: string, total: number, options: { readonly enabled?: boolean; readonly unit?: string } = {}): Progress {
  if (options.enabled === false || !process.stderr.isTTY) return quiet;
  const unit = options.unit ?? 'events';
  const bytes = unit === 'bytes';
  const counts = bytes ? '{done}/{size} | {events} events | {rate}/s' : `{value}/{total} ${unit} | {rate}/s`;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} {bar} {percentage}% | ${counts} | ETA {eta_formatted}`,
      etaBuffer: 50,
      fps: 5,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let size = Math.max(total, 1);
  let events = 0;
  const shown = (value: number, rate: number) =>
    bytes
      ? { done: humanBytes(value), size: humanBytes(size), events: events.toLocaleString('en-US'), rate: humanBytes(rate) }
      : { rate: Math.round(rate).toLocaleString('en-US') };
  bar.start(size, 0, shown(0, 0));
  return {
    update(value, newTotal, newEvents) {
      if (newTotal !== undefined) {
        size = Math.max(newTotal, 1);
        bar.setTotal(size);
      }
      if (newEvents !== undefined) events = newEvents;
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.update(value, shown(value, value / seconds));
    },
    stop() {
      bar.stop();
    },
  };
}
