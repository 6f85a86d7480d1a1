import { ValidationError } from '../errors/errors.js';

/**
 * Makes "a subscription from the end starts when `subscribe` is called" exact
 * on stores that read their head asynchronously. `subscribe({ after: 'end' })`
 * asks for the head at once and passes the pending answer to {@link track};
 * the store's writes call {@link settled} first and, while a head is being
 * read, wait for it. So an append issued after `subscribe` returned is never
 * counted in the start (and lost); one acknowledged before it always is (and
 * not delivered). Writes pay nothing while no such start is pending.
 */
export class SubscriptionStarts {
  readonly #pending = new Set<Promise<unknown>>();

  /** Records a head being read for a subscription's start. */
  track(head: Promise<unknown>): void {
    const settled = head.then(
      () => undefined,
      () => undefined,
    );
    this.#pending.add(settled);
    void settled.then(() => this.#pending.delete(settled));
  }

  /** Resolves once every head being read now is known; undefined when none is (the common case). */
  settled(): Promise<void> | undefined {
    if (this.#pending.size === 0) return undefined;
    return Promise.all([...this.#pending]).then(() => undefined);
  }
}

/**
 * Resolves a subscription's `after` option to a position, reading the head
 * for `'end'` now, when `subscribe` is called (not when the iteration starts).
 * The promise rejects with `VALIDATION_FAILED` for an invalid value, or with
 * the head read's error; it is marked handled, so a subscription that is never
 * iterated leaves no unhandled rejection.
 */
export function startPosition(
  after: unknown,
  headPosition: () => Promise<number>,
  starts?: SubscriptionStarts,
): Promise<number> {
  const start = after ?? 'start';
  let position: Promise<number>;
  if (start === 'start') position = Promise.resolve(0);
  else if (start === 'end') {
    try {
      position = headPosition();
    } catch (error) {
      position = Promise.reject(error);
    }
    starts?.track(position);
  } else if (typeof start === 'number' && Number.isSafeInteger(start) && start >= 0) position = Promise.resolve(start);
  else position = Promise.reject(ValidationError.of('after', "must be an integer >= 0, 'start' or 'end'"));
  position.catch(() => undefined);
  return position;
}
