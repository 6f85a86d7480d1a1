import type { ConsumerStatus } from '@chronicle/core';

/** A projection (or reactor) the server reports on and may rebuild. */
export type RegisteredProjection = {
  readonly name: string;
  readonly kind: 'projection' | 'reactor' | 'inline';
  status(): Promise<ConsumerStatus>;
  /** Rebuilds without downtime (blue-green); absent when not supported. */
  rebuild?(onProgress: (status: ConsumerStatus) => void): Promise<void>;
};
