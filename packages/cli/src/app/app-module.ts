import type { EventSchemas, EventStore, Projection, RecordedEvent } from '@chronicle/core';

/**
 * A decider as the CLI sees it: only its shape matters, so any application's
 * `Decider<Command, Event, State>` fits.
 */
export type AnyDecider = {
  readonly initialState: () => unknown;
  readonly evolve: (state: never, event: never) => unknown;
  readonly decide?: (command: never, state: never) => unknown;
};

/** A stream category the application models with a decider. */
export type AppDecider = {
  /** The decider whose streams are `<category>-<id>`. */
  readonly decider: AnyDecider;
  /**
   * Recovers the command that produced a group of events (those sharing a
   * `causationId`/`requestId`, or one event), or `undefined` when the group was
   * not produced by a command of this decider. Shadow replay decides these
   * commands again with the new rules. When absent, a `metadata.command`
   * recorded on the events is used.
   */
  readonly commandOf?: (events: readonly RecordedEvent[], context: unknown) => unknown;
  /** Snapshot policy (`chronicle snapshots rebuild` writes snapshots under it). */
  readonly snapshot?: { readonly name: string; readonly schemaVersion: number };
};

/** A projection the CLI can list, inspect and rebuild. */
export type AppProjection = {
  readonly projection: Projection;
  /** Base collection names it writes (dropped for the old version after a rebuild). */
  readonly collections: readonly string[];
};

/** One past command that other rules would have rejected. */
export type Rejection = {
  readonly streamId: string;
  /** Stream position of the first event the command produced. */
  readonly streamPosition: number;
  readonly globalPosition: number;
  readonly at: string;
  readonly command: unknown;
  readonly code: string;
  readonly message: string;
  /** Application fields shown in reports, e.g. `customerId`. */
  readonly details?: Readonly<Record<string, unknown>>;
};

/** Progress callback of long application-defined operations. */
export type OnProgress = (done: number, total: number) => void;

/**
 * What an application tells the CLI: its projections, deciders and event
 * schemas, and optionally application-specific reports. Export it as the
 * default export of `chronicle.config.mjs` (or `.ts`) or of the module given
 * with `--app`; every field is optional.
 *
 * @example
 * // chronicle.config.mjs
 * export default {
 *   name: 'shop',
 *   deciders: { cart: { decider: cartDecider } },
 *   projections: [{ projection: cartTotals, collections: ['cart-totals'] }],
 * };
 */
export type ChronicleApp = {
  readonly name?: string;
  /** Projections, or a function loading them (so commands that do not need them start fast). */
  readonly projections?: readonly AppProjection[] | (() => Promise<readonly AppProjection[]>);
  /** Deciders by stream category. */
  readonly deciders?: Readonly<Record<string, AppDecider>>;
  /** Event schemas (upcasters): reads in the CLI see upcast events. */
  readonly schemas?: EventSchemas;
  /** `chronicle dump --customer <id>`: every event of one customer, in global order. */
  readonly dump?: (store: EventStore, customerId: string) => Promise<readonly RecordedEvent[]>;
  /**
   * Loads, once per `shadow` run, what past commands were decided with
   * besides their events, such as the history of the rules in force; passed
   * to every `commandOf`.
   */
  readonly replayContext?: (store: EventStore) => Promise<unknown>;
  /** `chronicle what-if --rules <file>`: past commands the given rules would have rejected. */
  readonly whatIf?: (store: EventStore, rules: unknown, onProgress?: OnProgress) => Promise<readonly Rejection[]>;
};

/** Identity helper that types a `chronicle.config` module. */
export function defineApp(app: ChronicleApp): ChronicleApp {
  return app;
}

/** The app's projections, loading them when given lazily. */
export async function appProjections(app: ChronicleApp): Promise<readonly AppProjection[]> {
  const { projections } = app;
  if (projections === undefined) return [];
  return typeof projections === 'function' ? projections() : projections;
}
