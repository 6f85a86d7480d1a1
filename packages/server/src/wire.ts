import type { RecordedEvent } from '@chronicle/core';

/** An event as the HTTP API sends it. */
export type WireEvent = {
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
  readonly streamId: string;
  readonly streamPosition: number;
  readonly globalPosition: number;
  readonly recordedAt: string;
  readonly storedAs?: { readonly type: string; readonly schemaVersion: number };
};

/** Converts a recorded event to its JSON form. */
export function toWire(event: RecordedEvent): WireEvent {
  return {
    eventId: event.eventId,
    type: event.type,
    data: event.data,
    metadata: event.metadata as Record<string, unknown>,
    streamId: event.streamId,
    streamPosition: event.streamPosition,
    globalPosition: event.globalPosition,
    recordedAt: event.recordedAt.toISOString(),
    ...(event.storedAs ? { storedAs: event.storedAs } : {}),
  };
}

/** JSON schema of a wire event (for responses and OpenAPI). */
export const wireEventSchema = {
  type: 'object',
  required: ['eventId', 'type', 'data', 'metadata', 'streamId', 'streamPosition', 'globalPosition', 'recordedAt'],
  properties: {
    eventId: { type: 'string', format: 'uuid' },
    type: { type: 'string' },
    data: {},
    metadata: { type: 'object', additionalProperties: true },
    streamId: { type: 'string' },
    streamPosition: { type: 'integer' },
    globalPosition: { type: 'integer' },
    recordedAt: { type: 'string', format: 'date-time' },
    storedAs: { type: 'object', properties: { type: { type: 'string' }, schemaVersion: { type: 'integer' } } },
  },
} as const;

/** JSON schema of a problem document. */
export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    instance: { type: 'string' },
  },
  additionalProperties: true,
} as const;
