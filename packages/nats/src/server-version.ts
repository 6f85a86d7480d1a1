import { NotSupportedError } from '@chronicle/core';
import { versionAtLeast } from './version-compare.js';

export { versionAtLeast };

/** First nats-server whose `Nats-Expected-Last-Subject-Sequence` holds on replicated streams (2.9 forks them under racing writers). */
export const MIN_REPLICATED_SERVER_VERSION = '2.10.0';

/**
 * First nats-server with atomic batch publish (`allow_atomic`), which the store
 * needs for multi-stream appends, stream deletion and its projection host.
 */
export const MIN_ATOMIC_SERVER_VERSION = '2.12.0';


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

/** True when the server can publish atomic batches (see {@link MIN_ATOMIC_SERVER_VERSION}). */
export function hasAtomicBatches(serverVersion: string): boolean {
  return versionAtLeast(serverVersion, MIN_ATOMIC_SERVER_VERSION);
}

/** Refuses what needs atomic batch publish on an older server, naming the feature and the version found. */
export function assertAtomicBatches(serverVersion: string, feature: string): void {
  if (!hasAtomicBatches(serverVersion)) {
    throw new NotSupportedError(
      feature,
      'nats',
      `it needs atomic batch publish, which nats-server ${serverVersion} lacks: use nats-server ${MIN_ATOMIC_SERVER_VERSION} or later`,
    );
  }
}
