/**
 * The smallest string above every string that starts with `prefix`, in the
 * byte order of UTF-8 (= code point order, PostgreSQL's `COLLATE "C"`), or
 * undefined when there is none. Listing by prefix then is the index range
 * `prefix <= id < bound`: literal (no LIKE wildcards) and index-friendly.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix, (char) => char.codePointAt(0)!);
  while (points.length > 0) {
    let last = points.pop()! + 1;
    if (last === 0xd800) last = 0xe000; // surrogates are not characters in UTF-8
    if (last <= 0x10ffff) return String.fromCodePoint(...points, last);
  }
  return undefined;
}

/**
 * PostgreSQL text cannot hold U+0000. Cuts a listing cursor at its first NUL:
 * in byte order, the ids after `x\0...` are exactly the ids after `x`.
 */
export function cursorWithoutNul(after: string): string {
  const nul = after.indexOf('\u0000');
  return nul === -1 ? after : after.slice(0, nul);
}
