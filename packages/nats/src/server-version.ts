import { NotSupportedError } from '@chronicle/core';

/** First nats-server whose `Nats-Expected-Last-Subject-Sequence` holds on replicated streams (2.9 forks them under racing writers). */
export const MIN_REPLICATED_SERVER_VERSION = '2.10.0';

/** True when dotted version `version` is at least `minimum` (pre-release suffixes ignored). */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parse = (v: string): number[] => v.split(/[.-]/, 3).map((part) => Number.parseInt(part, 10) || 0);
  const [a, b] = [parse(version), parse(minimum)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** Refuses replicated streams on servers whose optimistic concurrency cannot be trusted with them. */
export function assertReplicationSupported(serverVersion: string, replicas: number, stream: string): void {
  if (replicas > 1 && !versionAtLeast(serverVersion, MIN_REPLICATED_SERVER_VERSION)) {
    throw new NotSupportedError(
      `replicated stream ${stream} (R${replicas})`,
      'nats',
      `nats-server ${serverVersion} can fork replicated streams under racing expected-version appends; use ${MIN_REPLICATED_SERVER_VERSION} or later, or replicas: 1`,
    );
  }
}
