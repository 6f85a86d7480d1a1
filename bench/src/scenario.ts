/** One measured quantity: `value` in `unit` (higher is better unless `lowerIsBetter`). */
export type Measurement = { readonly value: number; readonly unit: string; readonly lowerIsBetter?: boolean; readonly note?: string };

/**
 * A benchmark scenario: Chronicle doing something, next to the raw driver
 * doing the same work in the same run, so the ratio is meaningful on any machine.
 */
export type Scenario = {
  readonly name: string;
  /** Human-readable target, e.g. ">= 80% of raw". */
  readonly goal?: string;
  /** Minimum ratio chronicle/raw (or raw/chronicle when lower is better) that meets the goal. */
  readonly goalRatio?: number;
  readonly chronicle: () => Promise<Measurement>;
  readonly raw?: () => Promise<Measurement>;
};

/** A group of scenarios for one store or component. */
export type Suite = {
  readonly name: string;
  /** Prepares shared resources; the returned function releases them. */
  readonly setup?: () => Promise<() => Promise<void>>;
  readonly scenarios: readonly Scenario[];
};

/** Times `work` and returns `count` per second. */
export async function rate(count: number, unit: string, work: () => Promise<void> | void): Promise<Measurement> {
  const started = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { value: count / seconds, unit };
}

/** Times `work` in milliseconds. */
export async function duration(work: () => Promise<void> | void): Promise<Measurement> {
  const started = process.hrtime.bigint();
  await work();
  return { value: Number(process.hrtime.bigint() - started) / 1e6, unit: 'ms', lowerIsBetter: true };
}

/** Both sides of a scenario measured together, in one run. */
export type Pair = { readonly chronicle: Measurement; readonly raw: Measurement };

/**
 * A scenario whose two sides `measure` takes in one go (e.g. interleaved
 * rounds): the runner's `chronicle()` runs it, its `raw()` returns the figure
 * kept from that run.
 */
export function paired(measure: () => Promise<Pair>): Pick<Scenario, 'chronicle' | 'raw'> {
  let raw: Measurement | undefined;
  return {
    chronicle: async () => {
      const result = await measure();
      raw = result.raw;
      return result.chronicle;
    },
    raw: async () => raw!,
  };
}
