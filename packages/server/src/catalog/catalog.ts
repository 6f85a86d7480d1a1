import { createProjectionRunner, projectionContext, projectionVersion, type Consumer, type DocumentEntry, type EventStore, type Logger, type ProjectionHost } from '@chronicle/core';
import type { RegisteredProjection } from '../projection-registry.js';
import { CATALOG_NAME, catalogCollections, catalogProjection, typeStreamId, type CategoryEntry, type EventTypeEntry, type TypeStreamEntry } from './catalog-projection.js';

/** A page of catalog entries; `next` is the `after` of the following page, or null. */
export type CatalogPage<T> = { readonly items: readonly T[]; readonly next: string | null };

/** Paging options of catalog reads. */
export type CatalogPaging = { readonly after?: string; readonly limit: number };

/**
 * The event-type and category catalog: a projection kept in the store's own
 * documents, caught up from its checkpoint and then live. Reads are
 * eventually consistent: an event shows up once the runner has applied it
 * (its lag is reported by `GET /v1/projections` as `chronicle-catalog`).
 */
export type Catalog = {
  readonly runner: Consumer;
  /** How `/v1/projections` reports the catalog. */
  readonly registered: RegisteredProjection;
  eventTypes(paging: CatalogPaging): Promise<CatalogPage<EventTypeEntry>>;
  /** Streams holding events of `type`, by stream id, optionally only those starting with `prefix`. */
  streamsWithType(type: string, options: CatalogPaging & { readonly prefix?: string }): Promise<CatalogPage<TypeStreamEntry>>;
  categories(paging: CatalogPaging): Promise<CatalogPage<CategoryEntry>>;
};

async function page<T>(
  host: Pick<ProjectionHost<unknown>, 'documents'>,
  collection: string,
  options: { readonly prefix?: string; readonly after?: string; readonly limit: number },
  cursor: (entry: DocumentEntry<T>) => string,
): Promise<CatalogPage<T>> {
  const found = await host.documents.find<T>(collection, { ...options, limit: options.limit + 1 });
  const items = found.slice(0, options.limit);
  return { items: items.map((entry) => entry.document), next: found.length > options.limit ? cursor(items[items.length - 1]!) : null };
}

/** Options of {@link createCatalog}. */
export type CatalogOptions = {
  readonly store: EventStore;
  readonly host: ProjectionHost<unknown>;
  readonly logger: Logger;
  /** Events applied per transaction (default 1000). */
  readonly batchSize?: number;
};

/** Creates the catalog over a store and its projection host (not started). */
export function createCatalog(options: CatalogOptions): Catalog {
  const { host } = options;
  const runner = createProjectionRunner({ store: options.store, host, projection: catalogProjection, logger: options.logger, ...(options.batchSize ? { batchSize: options.batchSize } : {}) });
  const prefixOf = (type: string): string => typeStreamId(type);
  const { collection } = projectionContext(CATALOG_NAME, projectionVersion(catalogProjection));
  return {
    runner,
    registered: { name: CATALOG_NAME, kind: 'projection', status: () => runner.status() },
    eventTypes: ({ after, limit }) => page<EventTypeEntry>(host, collection(catalogCollections.types), { limit, ...(after ? { after } : {}) }, (e) => e.id),
    categories: ({ after, limit }) => page<CategoryEntry>(host, collection(catalogCollections.categories), { limit, ...(after ? { after } : {}) }, (e) => e.id),
    streamsWithType: (type, { prefix = '', after, limit }) =>
      page<TypeStreamEntry>(
        host,
        collection(catalogCollections.typeStreams),
        { limit, prefix: prefixOf(type) + prefix, ...(after ? { after: prefixOf(type) + after } : {}) },
        (e) => e.document.streamId,
      ),
  };
}
