import type { RecordedEvent } from '@chronicle/core';

/**
 * Merges two logs that are each in increasing global position into one; an
 * event present in both (archived but not yet purged) is yielded once.
 */
export async function* mergeLogs(a: AsyncIterable<RecordedEvent>, b: AsyncIterable<RecordedEvent>): AsyncGenerator<RecordedEvent> {
  const left = a[Symbol.asyncIterator]();
  const right = b[Symbol.asyncIterator]();
  let l = await left.next();
  let r = await right.next();
  while (!l.done || !r.done) {
    if (r.done || (!l.done && l.value.globalPosition < r.value.globalPosition)) {
      yield l.value!;
      l = await left.next();
    } else if (l.done || r.value.globalPosition < l.value.globalPosition) {
      yield r.value;
      r = await right.next();
    } else {
      yield l.value;
      l = await left.next();
      r = await right.next();
    }
  }
}
