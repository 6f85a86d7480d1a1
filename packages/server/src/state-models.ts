import type { Decider, Event } from '@chronicle/core';

/**
 * How to fold a stream category into state, for `GET /v1/streams/:id/state`.
 * Any decider (or `{ initialState, evolve }`) fits as it is: the server folds
 * whatever events the stream holds, so the model's own types are not checked here.
 */
export type StateModel = { readonly initialState: () => unknown; readonly evolve: (state: never, event: never) => unknown };

/** A state model as the server calls it. */
export function foldable(model: StateModel): Pick<Decider<never, Event, unknown>, 'initialState' | 'evolve'> {
  return model as Pick<Decider<never, Event, unknown>, 'initialState' | 'evolve'>;
}

/** State models by stream category (the part of the stream id before the first `-`). */
export type StateModels = Readonly<Record<string, StateModel>>;

/** The category of a stream id: `license-42` → `license`. */
export function categoryOf(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
}
