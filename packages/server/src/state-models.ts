import type { Decider, Event } from '@chronicle/core';

/** How to fold a stream category into state, for `GET /v1/streams/:id/state`. */
export type StateModel = Pick<Decider<never, Event, unknown>, 'initialState' | 'evolve'>;

/** State models by stream category (the part of the stream id before the first `-`). */
export type StateModels = Readonly<Record<string, StateModel>>;

/** The category of a stream id: `license-42` → `license`. */
export function categoryOf(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
}
