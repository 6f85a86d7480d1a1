import type { WireEvent } from '../api/types';

/** The schema version an event is shown at (1 when unmarked). */
export function schemaVersion(event: WireEvent): number {
  const version = event.metadata.schemaVersion;
  return typeof version === 'number' ? version : 1;
}

/**
 * The event type, its current schema version and, for an event upcast on
 * read, what is actually stored ("stored as v1").
 */
export function EventType({ event }: { event: WireEvent }) {
  return (
    <span className="event-type">
      <span className="type-name">{event.type}</span>
      {event.metadata.schemaVersion !== undefined || event.storedAs ? <span className="badge badge-version">v{schemaVersion(event)}</span> : null}
      {event.storedAs ? (
        <span
          className="badge badge-upcast"
          data-testid="stored-as"
          title={`Upcast on read: stored as ${event.storedAs.type} v${event.storedAs.schemaVersion}, shown as ${event.type} v${schemaVersion(event)}`}
        >
          stored as {event.storedAs.type === event.type ? '' : `${event.storedAs.type} `}v{event.storedAs.schemaVersion}
        </span>
      ) : null}
    </span>
  );
}
