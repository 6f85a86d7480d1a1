/** An event as the server sends it (`src/wire.ts` of @chronicle/server). */
export type WireEvent = {
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
  readonly streamId: string;
  readonly streamPosition: number;
  readonly globalPosition: number;
  readonly recordedAt: string;
  /** Present when the event was upcast on read: what is stored. */
  readonly storedAs?: { readonly type: string; readonly schemaVersion: number };
};

/** A stream in a listing: `GET /v1/streams`. */
export type StreamInfo = { readonly streamId: string; readonly version: number };
/** `GET /v1/streams?prefix=&after=&limit=`. */
export type StreamList = { readonly streams: readonly StreamInfo[]; readonly next: string | null };
/** `GET /v1/streams/:id?from=&limit=&direction=`: one page of a stream. */
export type StreamPage = { readonly streamId: string; readonly version: number; readonly events: readonly WireEvent[]; readonly next: number | null };
/** `GET /v1/streams/:id/state?version=|at=`: the folded state (time travel). */
export type StreamState = { readonly streamId: string; readonly version: number; readonly currentVersion: number; readonly state: unknown; readonly at?: string };
/** `GET /v1/all?from=&limit=`: one page of the global log. */
export type GlobalPage = { readonly events: readonly WireEvent[]; readonly next: number | null; readonly head: number };

/** `GET /v1/event-types`: one event type from the server's catalog. */
export type EventTypeEntry = {
  readonly type: string;
  readonly events: number;
  readonly streams: number;
  readonly firstPosition: number;
  readonly lastPosition: number;
  readonly lastRecordedAt: string;
};
/** `GET /v1/event-types/:type/streams`: a stream holding events of the type. */
export type TypeStreamEntry = { readonly streamId: string; readonly type: string; readonly events: number; readonly firstPosition: number; readonly lastPosition: number };
/** `GET /v1/categories`: a stream category with its counts. */
export type CategoryEntry = { readonly category: string; readonly streams: number; readonly events: number; readonly lastPosition: number };

/** `GET /v1/projections`: one projection or reactor. */
export type ProjectionStatus = {
  readonly name: string;
  readonly kind: 'projection' | 'reactor' | 'inline';
  readonly state: 'stopped' | 'catching-up' | 'live' | 'failing' | 'standby';
  readonly position: number;
  readonly head: number;
  readonly lagEvents: number;
  readonly lagSeconds: number;
  readonly eventsPerSecond: number;
  readonly processed: number;
  readonly failures: number;
  readonly lastError?: { readonly message: string; readonly at: string };
  readonly parked?: number;
  readonly rebuildable: boolean;
  readonly rebuild: { readonly status: 'running' | 'done' | 'failed'; readonly error?: string; readonly startedAt: string; readonly progress?: { readonly position: number; readonly head: number } } | null;
};

/** An RFC 9457 problem document with Chronicle's code. */
export type Problem = { readonly type: string; readonly title: string; readonly status: number; readonly detail: string; readonly code: string };
