/**
 * Merges segments (each ascending by global position, with known first/last
 * positions) into one ascending, de-duplicated sequence, opening a segment
 * only when the merge reaches its first position — so with disjoint segments
 * one segment is in memory at a time, however large the archive.
 */
export async function* mergeSegments<S extends { readonly first: number }, T extends { readonly globalPosition: number }>(
  segments: readonly S[],
  open: (segment: S) => AsyncIterable<T>,
): AsyncGenerator<T> {
  const pending = [...segments].sort((a, b) => a.first - b.first);
  const active: { item: T; iterator: AsyncIterator<T> }[] = [];
  let next = 0;
  let last = Number.NEGATIVE_INFINITY;
  const openNext = async (): Promise<void> => {
    const iterator = open(pending[next++]!)[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (!first.done) active.push({ item: first.value, iterator });
  };
  try {
    for (;;) {
      while (next < pending.length && (active.length === 0 || pending[next]!.first <= Math.min(...active.map((a) => a.item.globalPosition)))) await openNext();
      if (active.length === 0) return;
      let best = 0;
      for (let i = 1; i < active.length; i++) if (active[i]!.item.globalPosition < active[best]!.item.globalPosition) best = i;
      const current = active[best]!;
      const item = current.item;
      const advanced = await current.iterator.next();
      if (advanced.done) active.splice(best, 1);
      else current.item = advanced.value;
      if (item.globalPosition === last) continue;
      last = item.globalPosition;
      yield item;
    }
  } finally {
    await Promise.all(active.map((a) => a.iterator.return?.()));
  }
}
