import { AssertionError, deepStrictEqual } from 'node:assert';
import { decisionEvents, fold, type Decider } from '../decider/decider.js';
import type { Event } from '../events/event.js';

/** What a rejected command must look like: an error class, a stable error code, or a predicate. */
export type ErrorExpectation = (abstract new (...args: never[]) => Error) | string | ((error: unknown) => boolean);

/** The final step of a spec. Each method throws an `AssertionError` when the expectation fails. */
export type ThenStep<E extends Event, State> = {
  /** The command produced exactly these events, in order. */
  then(expected: readonly E[]): void;
  /** The command was rejected with a matching error. */
  thenThrows(expected: ErrorExpectation): void;
  /** The command was accepted and produced no events (a no-op). */
  thenNothing(): void;
  /** The state after applying the produced events equals `expected`. */
  thenState(expected: State): void;
};

/** The `when` step of a spec. */
export type WhenStep<Command, E extends Event, State> = {
  when(command: Command): ThenStep<E, State>;
};

function isErrorClass(value: ErrorExpectation): value is abstract new (...args: never[]) => Error {
  return typeof value === 'function' && (value === Error || value.prototype instanceof Error);
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${code === undefined ? '' : ` [${String(code)}]`}: ${error.message}`;
  }
  return String(error);
}

function matches(error: unknown, expected: ErrorExpectation): boolean {
  if (typeof expected === 'string') return (error as { code?: unknown } | null)?.code === expected;
  if (isErrorClass(expected)) return error instanceof expected;
  return expected(error);
}

/**
 * Given/when/then tests for a decider, with no store: `given` past events,
 * `when` a command, `then` the new events, a rejection, or nothing.
 *
 * @example
 * spec(table).given([reserved]).when(orderDrinks(9)).thenThrows('TOO_MANY_DRINKS');
 * spec(table).given([reserved]).when(orderDrinks(2)).then([drinksOrdered(2)]);
 */
export function spec<Command, E extends Event, State>(decider: Decider<Command, E, State>): {
  given(events: readonly E[]): WhenStep<Command, E, State>;
} {
  return {
    given(events) {
      return {
        when(command) {
          const state = fold(decider, events);
          const run = (): { ok: true; events: readonly E[] } | { ok: false; error: unknown } => {
            try {
              return { ok: true, events: decisionEvents(decider.decide(command, state)) };
            } catch (error) {
              return { ok: false, error };
            }
          };
          const accepted = (): readonly E[] => {
            const outcome = run();
            if (!outcome.ok) {
              throw new AssertionError({ message: `expected the command to be accepted, but it was rejected: ${describeError(outcome.error)}` });
            }
            return outcome.events;
          };
          return {
            then(expected) {
              deepStrictEqual(accepted(), expected, 'the command produced other events than expected');
            },
            thenNothing() {
              deepStrictEqual(accepted(), [], 'expected no events (a no-op)');
            },
            thenState(expected) {
              deepStrictEqual(fold(decider, accepted(), state), expected, 'the resulting state differs');
            },
            thenThrows(expected) {
              const outcome = run();
              if (outcome.ok) {
                throw new AssertionError({
                  message: `expected the command to be rejected, but it produced ${JSON.stringify(outcome.events)}`,
                });
              }
              if (!matches(outcome.error, expected)) {
                const wanted = typeof expected === 'string' ? `code ${expected}` : isErrorClass(expected) ? expected.name : 'the predicate';
                throw new AssertionError({ message: `expected a rejection matching ${wanted}, got ${describeError(outcome.error)}` });
              }
            },
          };
        },
      };
    },
  };
}
