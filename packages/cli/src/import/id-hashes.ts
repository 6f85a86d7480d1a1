/**
 * 64-bit hash of an event id (two independent 32-bit FNV-1a variants): 8 bytes
 * per id keeps a million ids in 8 MB. Pure JavaScript on purpose: a native
 * hash object per id leaves native memory behind until the next full GC.
 */
export function idHash(id: string): bigint {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (BigInt(a >>> 0) << 32n) | BigInt(b >>> 0);
}

/**
 * A set of event-id hashes, compact enough for millions of ids. Membership is
 * exact for hashes, so callers confirm hits against the real ids (collisions
 * of 64-bit hashes are rare, but must not produce a false report).
 */
export class IdHashSet {
  #hashes = new BigUint64Array(1 << 16);
  #size = 0;
  #sorted = true;

  add(id: string): void {
    if (this.#size === this.#hashes.length) {
      const grown = new BigUint64Array(this.#hashes.length * 2);
      grown.set(this.#hashes);
      this.#hashes = grown;
    }
    this.#hashes[this.#size++] = idHash(id);
    this.#sorted = false;
  }

  #view(): BigUint64Array {
    const view = this.#hashes.subarray(0, this.#size);
    if (!this.#sorted) {
      view.sort();
      this.#sorted = true;
    }
    return view;
  }

  /** Hashes present more than once. */
  repeated(): Set<bigint> {
    const view = this.#view();
    const found = new Set<bigint>();
    for (let i = 1; i < view.length; i++) if (view[i] === view[i - 1]) found.add(view[i]!);
    return found;
  }

  has(hash: bigint): boolean {
    const view = this.#view();
    let low = 0;
    let high = view.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const value = view[mid]!;
      if (value === hash) return true;
      if (value < hash) low = mid + 1;
      else high = mid - 1;
    }
    return false;
  }
}
