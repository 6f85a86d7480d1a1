import cliProgress from 'cli-progress';

/** A progress display for one long operation. */
export type Progress = {
  /** Sets the current value (and optionally a new total). */
  update(value: number, total?: number): void;
  stop(): void;
};

const quiet: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A progress bar on stderr with rate and ETA, or nothing when stderr is not a
 * terminal (pipes, CI, tests) or when `enabled` is false (`--no-progress`).
 */
export function createProgress(label: string, total: number, options: { readonly enabled?: boolean; readonly unit?: string } = {}): Progress {
  if (options.enabled === false || !process.stderr.isTTY) return quiet;
  const unit = options.unit ?? 'events';
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} {bar} {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
      etaBuffer: 50,
      fps: 5,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(Math.max(total, 1), 0, { rate: '0' });
  return {
    update(value, newTotal) {
      if (newTotal !== undefined) bar.setTotal(Math.max(newTotal, 1));
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.update(value, { rate: Math.round(value / seconds).toLocaleString('en-US') });
    },
    stop() {
      bar.stop();
    },
  };
}
