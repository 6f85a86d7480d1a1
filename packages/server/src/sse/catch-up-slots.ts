/**
 * At most `size` store reads for catching-up clients at a time, first come
 * first served: a crowd reconnecting at once (after a restart, or a burst that
 * outran them) takes turns instead of stalling every other request behind
 * hundreds of reads.
 */
export type CatchUpSlots = {
  run<T>(read: () => Promise<T>): Promise<T>;
};

/** Slots for `size` concurrent reads. */
export function createCatchUpSlots(size: number): CatchUpSlots {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    async run(read) {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await read();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else free++;
      }
    },
  };
}
