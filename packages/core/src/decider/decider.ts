import { NotSupportedError } from '../errors/errors.js';
import type { Event } from '../events/event.js';

/**
 * A decider is the pure, synchronous heart of a model: it starts from an
 * initial state, folds past events with `evolve`, and turns a command into new
 * events with `decide` — or throws (usually a {@link DomainError}) to reject it.
 * Returning no events means the command changes nothing (a no-op).
 * `decide` is synchronous: a `decide` that returns a Promise is a type error,
 * and at run time {@link decisionEvents} refuses it with `NOT_SUPPORTED`. Load
 * what a decision needs (prices, limits, other streams) before handling the
 * command, and pass it in the command.
 *
 * @example
 * const counter: Decider<{ type: 'Add'; by: number }, Added, { total: number }> = {
 *   initialState: () => ({ total: 0 }),
 *   decide: (command) => [{ type: 'Added', data: { by: command.by } }],
 *   evolve: (state, event) => ({ total: state.total + event.data.by }),
 * };
 */
export type Decider<Command, E extends Event, State> = {
  readonly initialState: () => State;
  readonly decide: (command: Command, state: State) => E | readonly E[];
  readonly evolve: (state: State, event: E) => State;
};

/**
 * Normalizes `decide`'s result to an array.
 * @throws NotSupportedError when `decide` returned a Promise (deciders are synchronous).
 */
export function decisionEvents<E>(decision: E | readonly E[]): readonly E[] {
  if (Array.isArray(decision)) return decision as readonly E[];
  if (typeof (decision as { then?: unknown } | null)?.then === 'function') {
    // Its outcome is never used; a rejection must not surface as an unhandled one.
    (decision as PromiseLike<unknown>).then(undefined, () => undefined);
    throw new NotSupportedError(
      'async deciders',
      'Chronicle',
      'decide returned a Promise; decide must be synchronous ' +
        '(load what the decision needs first and pass it in the command)',
    );
  }
  return [decision as E];
}

/** Folds events into state from the decider's initial state. */
export function fold<E extends Event, State>(
  decider: Pick<Decider<unknown, E, State>, 'initialState' | 'evolve'>,
  events: Iterable<E>,
  state: State = decider.initialState(),
): State {
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
