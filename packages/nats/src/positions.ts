/**
 * Global positions on NATS. One JetStream message holds one append (so an
 * append is atomic), and an event's global position is
 * `messageSequence * EVENTS_PER_MESSAGE + indexInAppend`: message 42's third
 * event is 4_200_002. Positions therefore follow JetStream's stream sequence,
 * are unique and strictly increasing, and have gaps between messages (allowed
 * by the contract). Exact up to stream sequence 2^53 / 10^5 ≈ 9 * 10^10.
 */
export const EVENTS_PER_MESSAGE = 100_000;

/** The global position of the `index`-th event (0-based) of message `sequence`. */
export function globalPosition(sequence: number, index: number): number {
  return sequence * EVENTS_PER_MESSAGE + index;
}

/** The message holding global position `position` (0 for position 0), and the index inside it. */
export function messageOf(position: number): { readonly sequence: number; readonly index: number } {
  return { sequence: Math.floor(position / EVENTS_PER_MESSAGE), index: position % EVENTS_PER_MESSAGE };
}

/**
 * Where to start reading for "events after `after`": the message holding
 * `after` (it may have later events), or message 1 for the beginning.
 */
export function firstSequenceAfter(after: number): number {
  return Math.max(1, messageOf(after).sequence);
}
