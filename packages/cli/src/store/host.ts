import type { EventStore, ProjectionHost, StoreWithProjections } from '@chronicle/core';
import { CliError, exitCodes } from '../errors.js';

/** The store's projection host (`store.projections`), or a clear error when it has none. */
export function projectionHost(store: EventStore): ProjectionHost<unknown> {
  const host = (store as Partial<StoreWithProjections<unknown>>).projections;
  if (!host) throw new CliError(`the ${store.info.name} store hosts no projections (store.projections)`, exitCodes.store);
  return host;
}
