/** True when dotted version `version` is at least `minimum` (pre-release suffixes ignored). */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parse = (v: string): number[] => v.split(/[.-]/, 3).map((part) => Number.parseInt(part, 10) || 0);
  const [a, b] = [parse(version), parse(minimum)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}
