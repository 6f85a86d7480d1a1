import { ChronicleError } from '../errors/chronicle-error.js';
import { NotSupportedError, ValidationError, WrongExpectedVersionError } from '../errors/errors.js';
import type { Event, EventMetadata, NewEvent, RecordedEvent } from '../events/event.js';
import { aggregateStream, loadStream, type LoadedState } from '../decider/aggregate-stream.js';
import { decisionEvents, fold, type Decider } from '../decider/decider.js';
import type { EventStore, ExpectedVersion } from '../store/event-store.js';
import { assertExpectedVersion, checkExpectedVersion } from '../store/validation.js';
import type { ProjectionHost } from '../projections/host.js';
import { causedBy, type Reactor } from '../projections/reactor.js';
import { createAggregateLoader, type SnapshotPolicy } from '../snapshots/aggregate-loader.js';
import { findOutcome, recordOutcomeOnce, rejectionOf, ReplayedRejectionError, type RequestOutcome } from './idempotency.js';
import { retryDelay, sleep, type RetryPolicy } from './retry.js';

/** Options of {@link createCommandHandler}. */
export type CommandHandlerOptions<State> = {
  /** Retries after `WRONG_EXPECTED_VERSION` on fresh state (default: 5 attempts). */
  readonly retry?: RetryPolicy;
  /**
   * Synchronous reactors: run after the append committed and before the
   * handler returns, once per new event of their types, in order. They run at
   * most once; a failure does not undo the command (the events are stored) and
   * is reported in `CommandResult.reactionErrors`. Use async reactors
   * (`createReactorRunner`) for retried, durable reactions.
   */
  readonly reactors?: readonly Reactor[];
  /** Load state through snapshots (the store must host projections, e.g. `store.projections`). */
  readonly snapshots?: SnapshotPolicy<State>;
};

/** A synchronous reaction that failed after its command committed. */
export type ReactionError = { readonly reactor: string; readonly eventId: string; readonly error: unknown };

/** Per-call options of a command handler. */
export type HandleOptions = {
  /**
   * Version the caller saw (e.g. from an `If-Match` header). When given, it is
   * checked against the stream's version before `decide` runs, so a stale one
   * fails with `WRONG_EXPECTED_VERSION` even when the decision would be a no-op;
   * the append then uses it, and a conflict is returned to the caller, never retried.
   */
  readonly expectedVersion?: ExpectedVersion;
  /** Id of this command: becomes the events' `causationId` (and `correlationId` when none is given). */
  readonly commandId?: string;
  /**
   * The client's request id. A request id that was handled before returns the
   * original outcome — the same events and positions, the same no-op, or the
   * same rejection — without appending, across restarts and under races. Needs
   * a store that hosts projections. Stored as the events' `requestId` metadata.
   */
  readonly requestId?: string;
  /** Metadata merged into every new event (e.g. `correlationId`, user id). */
  readonly metadata?: EventMetadata;
};

/** What handling a command did. */
export type CommandResult<E extends Event, State> = {
  readonly streamId: string;
  /** The events appended, as stored; empty when the command was a no-op. */
  readonly newEvents: readonly RecordedEvent<E['type'], E['data']>[];
  /** State after the new events. */
  readonly newState: State;
  /** Stream version after handling (unchanged on a no-op). */
  readonly nextExpectedVersion: number;
  /** Global position of the last appended event; undefined on a no-op. */
  readonly globalPosition: number | undefined;
  /** How many times the command was decided (> 1 after conflicts; 0 when replayed). */
  readonly attempts: number;
  /** True when this is the recorded outcome of an earlier request with the same request id. */
  readonly replayed: boolean;
  /** Synchronous reactors that threw (empty when all succeeded). */
  readonly reactionErrors: readonly ReactionError[];
};

/** Handles one command against one stream. */
export type CommandHandler<Command, E extends Event, State> = (
  streamId: string,
  command: Command,
  options?: HandleOptions,
) => Promise<CommandResult<E, State>>;

type Host = Pick<ProjectionHost<unknown>, 'transaction' | 'documents'>;

function eventMetadata(options: HandleOptions): EventMetadata {
  const metadata: Record<string, unknown> = { ...options.metadata };
  if (options.requestId !== undefined) metadata.requestId = options.requestId;
  if (options.commandId !== undefined) {
    metadata.causationId ??= options.commandId;
    metadata.correlationId ??= options.commandId;
  }
  return metadata;
}

function hostOf(store: object): Host | undefined {
  const host = (store as { projections?: Host }).projections;
  return host && typeof host.transaction === 'function' ? host : undefined;
}

/**
 * Builds the standard command-handling loop over a store: read the stream and
 * fold it (through snapshots when configured), `decide`, then append with the
 * version read as the expectation. A conflict means someone else wrote first:
 * the handler reloads and decides again, up to `retry.maxAttempts` times, then
 * throws the conflict. A decision with no events appends nothing. A rejection
 * thrown by `decide` propagates unchanged.
 *
 * @example
 * const handle = createCommandHandler(store, tableDecider);
 * const { newEvents } = await handle('table-7', { type: 'OrderDrinks', drinks: ['cola'] });
 */
export function createCommandHandler<Command, E extends Event, State>(
  store: Pick<EventStore, 'readStream' | 'append' | 'getStreamInfo'>,
  decider: Decider<Command, E, State>,
  options: CommandHandlerOptions<State> = {},
): CommandHandler<Command, E, State> {
  const maxAttempts = options.retry?.maxAttempts ?? 5;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) throw ValidationError.of('retry.maxAttempts', 'must be an integer >= 1');
  const host = hostOf(store);
  if (options.snapshots && !host) throw new NotSupportedError('snapshots', 'this store', 'it hosts no projections');
  const reader = { readStream: store.readStream.bind(store), getStreamInfo: store.getStreamInfo.bind(store) };
  const { snapshots } = options;
  const loader =
    snapshots && host ? createAggregateLoader({ ...reader, projections: host }, decider, snapshots) : undefined;
  /**
   * The state and the stream's real head. `confirmHead: false` trusts an empty
   * read to mean an empty stream (one query less for a new stream): if events
   * are hidden there, the append at 0 conflicts and the retry confirms the head.
   */
  const load = (streamId: string, confirmHead: boolean): Promise<LoadedState<State>> =>
    loader ? loader.load(streamId) : loadStream(store, streamId, decider, {}, confirmHead);

  async function replay(streamId: string, outcome: RequestOutcome): Promise<CommandResult<E, State>> {
    if (outcome.kind === 'rejected') throw new ReplayedRejectionError(outcome.error);
    if (outcome.kind === 'noop') {
      const { state } = await aggregateStream(store, outcome.streamId, decider, { toVersion: outcome.version });
      return { streamId, newEvents: [], newState: state, nextExpectedVersion: outcome.version, globalPosition: undefined, attempts: 0, replayed: true, reactionErrors: [] };
    }
    const part = outcome.parts.find((p) => p.streamId === streamId) ?? outcome.parts[0]!;
    const newEvents: RecordedEvent[] = [];
    for await (const event of store.readStream(part.streamId, { from: part.from, limit: part.to - part.from + 1 })) newEvents.push(event);
    const { state } = await aggregateStream(store, part.streamId, decider, { toVersion: part.to });
    return {
      streamId: part.streamId,
      newEvents: newEvents as readonly RecordedEvent<E['type'], E['data']>[],
      newState: state,
      nextExpectedVersion: part.to,
      globalPosition: part.globalPosition,
      attempts: 0,
      replayed: true,
      reactionErrors: [],
    };
  }

  return async (streamId, command, handleOptions = {}) => {
    if (handleOptions.expectedVersion !== undefined) assertExpectedVersion(handleOptions.expectedVersion);
    const { requestId } = handleOptions;
    if (requestId !== undefined) {
      if (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > 256) throw ValidationError.of('requestId', 'must be a string of 1 to 256 characters');
      if (!host) throw new NotSupportedError('request ids', 'this store', 'it hosts no projections to remember them');
    }
    const metadata = eventMetadata(handleOptions);
    const hasMetadata = Object.keys(metadata).length > 0;
    const explicit = handleOptions.expectedVersion;
    for (let attempt = 1; ; attempt++) {
      const { state, version } = await load(streamId, attempt > 1 || explicit !== undefined);
      // Checked after the load: an identical request whose events this load
      // already saw committed its outcome with them, so it is visible now
      // (checking before the load let a racer append a second set on a database).
      if (requestId !== undefined && host) {
        const known = await findOutcome(host, requestId);
        if (known) return replay(streamId, known);
      }
      // The caller's version is checked before deciding: a stale one is a conflict even if the decision is a no-op.
      const stale = explicit === undefined ? undefined : checkExpectedVersion(streamId, explicit, version);
      if (stale) throw stale;
      let decided: readonly E[];
      try {
        decided = decisionEvents(decider.decide(command, state));
      } catch (error) {
        if (requestId !== undefined && host && error instanceof ChronicleError) await recordOutcomeOnce(host, requestId, rejectionOf(error));
        throw error;
      }
      if (decided.length === 0) {
        if (requestId !== undefined && host) await recordOutcomeOnce(host, requestId, { kind: 'noop', streamId, version });
        return { streamId, newEvents: [], newState: state, nextExpectedVersion: version, globalPosition: undefined, attempts: attempt, replayed: false, reactionErrors: [] };
      }
      const toAppend: NewEvent[] = decided.map((event) => {
        const own = (event as NewEvent).metadata;
        return hasMetadata || own ? { type: event.type, data: event.data, metadata: { ...metadata, ...own } } : event;
      });
      const expected = explicit ?? (version === 0 ? 'no_stream' : version);
      try {
        const result = await store.append(streamId, toAppend, expected);
        const newEvents = result.events as readonly RecordedEvent<E['type'], E['data']>[];
        const reactionErrors = await react(options.reactors ?? [], result.events);
        return {
          streamId,
          newEvents,
          newState: fold(decider, newEvents as unknown as E[], state),
          nextExpectedVersion: result.nextExpectedVersion,
          globalPosition: result.globalPosition,
          attempts: attempt,
          replayed: false,
          reactionErrors,
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        // An identical request may have won the race: its outcome is ours.
        if (requestId !== undefined && host) {
          const known = await findOutcome(host, requestId);
          if (known) return replay(streamId, known);
        }
        if (explicit !== undefined || attempt >= maxAttempts) throw error;
        await sleep(retryDelay(options.retry ?? {}, attempt));
      }
    }
  };
}

async function react(reactors: readonly Reactor[], events: readonly RecordedEvent[]): Promise<ReactionError[]> {
  const errors: ReactionError[] = [];
  for (const event of events) {
    for (const reactor of reactors) {
      if (reactor.eventTypes && !reactor.eventTypes.includes(event.type)) continue;
      try {
        await reactor.react(event, { attempt: 1, metadata: causedBy(event) });
      } catch (error) {
        errors.push({ reactor: reactor.name, eventId: event.eventId, error });
      }
    }
  }
  return errors;
}
