import { SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { EventStore, RecordedEvent } from '@chronicle/core';

/** The tracer Chronicle's server uses (a no-op unless an OpenTelemetry SDK is registered). */
export const tracer: Tracer = trace.getTracer('@chronicle/server', '0.1.0');

/** Runs `work` in a span named `name`, recording failures. */
export async function inSpan<T>(name: string, attributes: Record<string, string | number>, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

async function* tracedIterable(name: string, attributes: Record<string, string | number>, source: () => AsyncIterable<RecordedEvent>): AsyncGenerator<RecordedEvent> {
  const span = tracer.startSpan(name, { attributes });
  let count = 0;
  try {
    for await (const event of source()) {
      count++;
      yield event;
    }
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.setAttribute('chronicle.events', count);
    span.end();
  }
}

/** Wraps a store so that every call is a span (`chronicle.store.append`, …). Other properties are kept. */
export function tracedStore<S extends EventStore>(store: S): S {
  const wrapped: Partial<EventStore> = {
    append: (streamId, events, expected) =>
      inSpan('chronicle.store.append', { 'chronicle.stream_id': streamId, 'chronicle.events': Array.isArray(events) ? events.length : 0 }, () => store.append(streamId, events, expected)),
    appendMulti: (appends) => inSpan('chronicle.store.append_multi', { 'chronicle.streams': Array.isArray(appends) ? appends.length : 0 }, () => store.appendMulti(appends)),
    readStream: (streamId, options) => tracedIterable('chronicle.store.read_stream', { 'chronicle.stream_id': String(streamId) }, () => store.readStream(streamId, options)),
    readAll: (options) => tracedIterable('chronicle.store.read_all', { 'chronicle.after': options?.after ?? 0 }, () => store.readAll(options)),
    getStreamInfo: (streamId) => inSpan('chronicle.store.stream_info', { 'chronicle.stream_id': String(streamId) }, () => store.getStreamInfo(streamId)),
  };
  return new Proxy(store, {
    get(target, property) {
      if (property in wrapped) return wrapped[property as keyof EventStore];
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
