/**
 * The smallest string greater than every string that starts with `prefix`, in
 * UTF-8 byte order (which is code point order), or undefined when there is
 * none. Turns a prefix into a range that the primary-key index answers.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = [...prefix].map((c) => c.codePointAt(0)!);
  while (codePoints.length > 0) {
    let last = codePoints.pop()! + 1;
    if (last >= 0xd800 && last <= 0xdfff) last = 0xe000; // surrogates are not code points of their own
    if (last <= 0x10ffff) return String.fromCodePoint(...codePoints, last);
  }
  return undefined;
}
