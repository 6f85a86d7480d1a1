import { ValidationError, WrongExpectedVersionError } from '../errors/errors.js';
import type { Event, EventMetadata, NewEvent, RecordedEvent } from '../events/event.js';
import { aggregateStream } from '../decider/aggregate-stream.js';
import { decisionEvents, fold, type Decider } from '../decider/decider.js';
import type { EventStore, ExpectedVersion } from '../store/event-store.js';
import { assertExpectedVersion } from '../store/validation.js';
import { retryDelay, sleep, type RetryPolicy } from './retry.js';
import { causedBy, type Reactor } from '../projections/reactor.js';

/** Options of {@link createCommandHandler}. */
export type CommandHandlerOptions = {
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
};

/** A synchronous reaction that failed after its command committed. */
export type ReactionError = { readonly reactor: string; readonly eventId: string; readonly error: unknown };

/** Per-call options of a command handler. */
export type HandleOptions = {
  /**
   * Version the caller saw (e.g. from an `If-Match` header). When given, the
   * append uses it and a conflict is returned to the caller, never retried.
   */
  readonly expectedVersion?: ExpectedVersion;
  /** Id of this command: becomes the events' `causationId` (and `correlationId` when none is given). */
  readonly commandId?: string;
  /** Metadata merged into every new event (e.g. `correlationId`, `requestId`, user id). */
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
  /** How many times the command was decided (> 1 after conflicts). */
  readonly attempts: number;
  /** Synchronous reactors that threw (empty when all succeeded). */
  readonly reactionErrors: readonly ReactionError[];
};

/** Handles one command against one stream. */
export type CommandHandler<Command, E extends Event, State> = (
  streamId: string,
  command: Command,
  options?: HandleOptions,
) => Promise<CommandResult<E, State>>;

function eventMetadata(options: HandleOptions): EventMetadata {
  const metadata: Record<string, unknown> = { ...options.metadata };
  if (options.commandId !== undefined) {
    metadata.causationId ??= options.commandId;
    metadata.correlationId ??= options.commandId;
  }
  return metadata;
}

/**
 * Builds the standard command-handling loop over a store: read the stream and
 * fold it, `decide`, then append with the version read as the expectation.
 * A conflict means someone else wrote first: the handler reloads and decides
 * again, up to `retry.maxAttempts` times, then throws the conflict. A decision
 * with no events appends nothing. A rejection thrown by `decide` propagates
 * unchanged.
 *
 * @example
 * const handle = createCommandHandler(store, tableDecider);
 * const { newEvents } = await handle('table-7', { type: 'OrderDrinks', drinks: ['cola'] });
 */
export function createCommandHandler<Command, E extends Event, State>(
  store: Pick<EventStore, 'readStream' | 'append'>,
  decider: Decider<Command, E, State>,
  options: CommandHandlerOptions = {},
): CommandHandler<Command, E, State> {
  const maxAttempts = options.retry?.maxAttempts ?? 5;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) throw ValidationError.of('retry.maxAttempts', 'must be an integer >= 1');

  return async (streamId, command, handleOptions = {}) => {
    if (handleOptions.expectedVersion !== undefined) assertExpectedVersion(handleOptions.expectedVersion);
    const metadata = eventMetadata(handleOptions);
    const hasMetadata = Object.keys(metadata).length > 0;
    for (let attempt = 1; ; attempt++) {
      const { state, version } = await aggregateStream(store, streamId, decider);
      const decided = decisionEvents(decider.decide(command, state));
      if (decided.length === 0) {
        return { streamId, newEvents: [], newState: state, nextExpectedVersion: version, globalPosition: undefined, attempts: attempt, reactionErrors: [] };
      }
      const toAppend: NewEvent[] = decided.map((event) => {
        const own = (event as NewEvent).metadata;
        return hasMetadata || own ? { type: event.type, data: event.data, metadata: { ...metadata, ...own } } : event;
      });
      const expected = handleOptions.expectedVersion ?? (version === 0 ? 'no_stream' : version);
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
          reactionErrors,
        };
      } catch (error) {
        const retry = error instanceof WrongExpectedVersionError && handleOptions.expectedVersion === undefined && attempt < maxAttempts;
        if (!retry) throw error;
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
