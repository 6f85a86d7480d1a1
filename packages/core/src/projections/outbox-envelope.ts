import type { StoredOutboxMessage } from './host.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Header names a relay target writes beside each message; consumers read them back with {@link readEnvelope}. */
export const envelopeHeaders = {
  messageId: 'chronicle-message-id',
  type: 'chronicle-type',
  topic: 'chronicle-topic',
  key: 'chronicle-key',
  correlationId: 'chronicle-correlation-id',
  causationId: 'chronicle-causation-id',
  position: 'chronicle-position',
  createdAt: 'chronicle-created-at',
  source: 'chronicle-source',
} as const;

/** What a broker carries for one outbox message: a stable id, string headers and a JSON body. */
export type OutboxEnvelope = {
  /** `<source>:<outbox position>`: the same on every delivery attempt of the message, unique across sources. */
  readonly messageId: string;
  readonly headers: Readonly<Record<string, string>>;
  /** `JSON.stringify(message.data)`, UTF-8. */
  readonly body: Uint8Array;
};

/** Options of {@link outboxEnvelope}. */
export type EnvelopeOptions = {
  /**
   * Names the publishing service and its outbox, e.g. `subscriptions`. Message ids are `<source>:<position>`,
   * so two services' outboxes never share an id.
   */
  readonly source: string;
  /**
   * The correlation id to carry. The outbox keeps the message's source event id, not that event's metadata, so
   * the default correlates by the source event (and is absent without one).
   */
  readonly correlationId?: (message: StoredOutboxMessage) => string | undefined;
};

/**
 * The broker-neutral envelope of an outbox message. The id is derived from the outbox position, so a relay that
 * repeats a batch after a crash repeats the same ids, and a consumer (or the broker) can drop the copies.
 * The causation id is the domain event the public event was translated from.
 */
export function outboxEnvelope(message: StoredOutboxMessage, options: EnvelopeOptions): OutboxEnvelope {
  const messageId = `${options.source}:${message.position}`;
  const correlationId = options.correlationId ? options.correlationId(message) : message.sourceEventId;
  const headers: Record<string, string> = {
    [envelopeHeaders.messageId]: messageId,
    [envelopeHeaders.type]: message.type,
    [envelopeHeaders.topic]: message.topic,
    [envelopeHeaders.position]: String(message.position),
    [envelopeHeaders.createdAt]: message.createdAt.toISOString(),
    [envelopeHeaders.source]: options.source,
  };
  if (message.key !== undefined) headers[envelopeHeaders.key] = message.key;
  if (message.sourceEventId !== undefined) headers[envelopeHeaders.causationId] = message.sourceEventId;
  if (correlationId !== undefined) headers[envelopeHeaders.correlationId] = correlationId;
  return { messageId, headers, body: encoder.encode(JSON.stringify(message.data ?? null)) };
}

/** A public event as a consumer receives it from a broker. */
export type ReceivedMessage<Data = unknown> = {
  readonly messageId: string;
  readonly type: string;
  readonly topic?: string;
  readonly key?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly source?: string;
  readonly createdAt?: Date;
  readonly data: Data;
  /** Every header as received. */
  readonly headers: Readonly<Record<string, string>>;
};

/**
 * Reads an envelope back from received headers and body. Returns undefined when there is no message id (a message
 * not published by a Chronicle relay, which a consumer cannot deduplicate).
 */
export function readEnvelope(headers: Readonly<Record<string, string>>, body: Uint8Array): ReceivedMessage | undefined {
  const messageId = headers[envelopeHeaders.messageId];
  const type = headers[envelopeHeaders.type];
  if (!messageId || !type) return undefined;
  const createdAt = headers[envelopeHeaders.createdAt];
  const optional = (name: keyof typeof envelopeHeaders) => headers[envelopeHeaders[name]];
  return {
    messageId,
    type,
    topic: optional('topic'),
    key: optional('key'),
    correlationId: optional('correlationId'),
    causationId: optional('causationId'),
    source: optional('source'),
    createdAt: createdAt ? new Date(createdAt) : undefined,
    data: body.length === 0 ? null : (JSON.parse(decoder.decode(body)) as unknown),
    headers,
  };
}
