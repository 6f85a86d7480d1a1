import { closeSync, fstatSync, fsyncSync, openSync, writeSync } from 'node:fs';

/**
 * Overwrites `blocks` blocks of `blockSize` bytes (a SQLite page by default)
 * with seeded pseudo-random bytes, spread evenly between the fractions `from`
 * and `to` of the file, never the first block (so the file still opens and
 * the damage is met only when a read reaches it). For tests of corruption
 * handling. Returns the damaged block numbers.
 */
export function damageFile(file: string, options: { readonly blocks: number; readonly blockSize?: number; readonly from?: number; readonly to?: number; readonly seed?: number }): number[] {
  const blockSize = options.blockSize ?? 4096;
  const fd = openSync(file, 'r+');
  try {
    const total = Math.floor(fstatSync(fd).size / blockSize);
    const first = Math.max(1, Math.floor(total * (options.from ?? 0.3)));
    const last = Math.max(first, Math.floor(total * (options.to ?? 0.9)) - 1);
    const step = Math.max(1, Math.floor((last - first + 1) / options.blocks));
    let state = options.seed ?? 21;
    const garbage = Buffer.alloc(blockSize);
    const damaged: number[] = [];
    for (let block = first; block <= last && damaged.length < options.blocks; block += step) {
      for (let i = 0; i < blockSize; i++) {
        state = (state * 1_103_515_245 + 12_345) >>> 0;
        garbage[i] = state >>> 24;
      }
      writeSync(fd, garbage, 0, blockSize, block * blockSize);
      damaged.push(block);
    }
    fsyncSync(fd);
    return damaged;
  } finally {
    closeSync(fd);
  }
}
