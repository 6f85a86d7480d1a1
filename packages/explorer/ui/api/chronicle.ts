import { call, withQuery, type CallOptions } from './client';
import type { CategoryEntry, EventTypeEntry, GlobalPage, ProjectionStatus, StreamList, StreamPage, StreamState, TypeStreamEntry } from './types';

/** A store-side filter of the global log: comma-separated event types and a stream id prefix. */
export type LogFilter = { readonly types?: string; readonly streamPrefix?: string };

const stream = (streamId: string): string => `/v1/streams/${encodeURIComponent(streamId)}`;

/** The generic `/v1` API of a Chronicle server, as the explorer uses it. */
export const chronicle = {
  listStreams: (q: { prefix?: string; after?: string; limit?: number }, o?: CallOptions) => call<StreamList>(withQuery('/v1/streams', q), o),
  readStream: (streamId: string, q: { from?: number; limit?: number; direction?: 'forwards' | 'backwards' }, o?: CallOptions) =>
    call<StreamPage>(withQuery(stream(streamId), q), o),
  state: (streamId: string, q: { version?: number; at?: string }, o?: CallOptions) => call<StreamState>(withQuery(`${stream(streamId)}/state`, q), o),
  readAll: (q: { from?: number; limit?: number; direction?: 'forwards' | 'backwards' } & LogFilter, o?: CallOptions) =>
    call<GlobalPage>(withQuery('/v1/all', q), o),
  projections: (o?: CallOptions) => call<{ projections: ProjectionStatus[] }>('/v1/projections', o),
  rebuild: (name: string, token: string) => call<{ name: string; status: string }>(`/v1/projections/${encodeURIComponent(name)}/rebuild`, { method: 'POST', token }),
  eventTypes: (q: { after?: string; limit?: number }, o?: CallOptions) => call<{ types: EventTypeEntry[]; next: string | null }>(withQuery('/v1/event-types', q), o),
  streamsWithType: (type: string, q: { prefix?: string; after?: string; limit?: number }, o?: CallOptions) =>
    call<{ type: string; streams: TypeStreamEntry[]; next: string | null }>(withQuery(`/v1/event-types/${encodeURIComponent(type)}/streams`, q), o),
  categories: (q: { after?: string; limit?: number }, o?: CallOptions) => call<{ categories: CategoryEntry[]; next: string | null }>(withQuery('/v1/categories', q), o),
  subscribeUrl: (from: number, filter: LogFilter = {}) => withQuery('/v1/subscribe', { from, ...filter }),
};
