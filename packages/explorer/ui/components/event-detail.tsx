import type { WireEvent } from '../api/types';
import { formatTime } from '../format';
import { Link } from '../router';
import { EventType } from './event-badges';
import { JsonView } from './json-tree';

/** One event in full: type and versions, positions, time, ids, data and metadata. */
export function EventDetail({ event, showStream = false }: { event: WireEvent; showStream?: boolean }) {
  return (
    <article className="event-detail" aria-label={`Event ${event.streamId}@${event.streamPosition}`}>
      <header>
        <h3>
          <EventType event={event} />
        </h3>
        <Link to={{ name: 'time-travel', streamId: event.streamId, version: event.streamPosition }} className="button small">
          State at this event
        </Link>
      </header>
      <dl className="facts">
        {showStream ? (
          <>
            <dt>stream</dt>
            <dd>
              <Link to={{ name: 'stream', streamId: event.streamId, event: event.streamPosition }}>{event.streamId}</Link>
            </dd>
          </>
        ) : null}
        <dt>stream position</dt>
        <dd className="mono">{event.streamPosition}</dd>
        <dt>global position</dt>
        <dd className="mono">{event.globalPosition}</dd>
        <dt>recorded</dt>
        <dd className="mono">{formatTime(event.recordedAt)}</dd>
        <dt>event id</dt>
        <dd className="mono small">{event.eventId}</dd>
        {event.storedAs ? (
          <>
            <dt>stored as</dt>
            <dd className="mono">
              {event.storedAs.type} v{event.storedAs.schemaVersion} <span className="muted">(upcast on read)</span>
            </dd>
          </>
        ) : null}
      </dl>
      <section>
        <h4>data</h4>
        <JsonView value={event.data} label="event data" />
      </section>
      <section>
        <h4>metadata</h4>
        <JsonView value={event.metadata} label="event metadata" />
      </section>
    </article>
  );
}
