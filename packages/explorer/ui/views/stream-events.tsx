import { useCallback, useEffect, useState } from 'react';
import { chronicle } from '../api/chronicle';
import { EventDetail } from '../components/event-detail';
import { EventType } from '../components/event-badges';
import { Empty } from '../components/problem';
import { VirtualList } from '../components/virtual-list';
import { formatTime } from '../format';
import { useFetch } from '../hooks/use-fetch';
import { PAGE_SIZE, useStreamPages } from '../hooks/use-stream-pages';
import { useRouter } from '../router';
import { pagesFor, positionAt, rowOf, type Order, type RowRange } from '../../src/model/stream-window';

const ROW_HEIGHT = 34;

/** A stream's events in a windowed list (pages fetched as they scroll into view) beside the selected event in full. */
export function StreamEvents({ streamId, version, selected, newestFirst }: { streamId: string; version: number; selected?: number; newestFirst: boolean }) {
  const { navigate } = useRouter();
  const order: Order = newestFirst ? 'newest-first' : 'oldest-first';
  const pages = useStreamPages(streamId, version);
  const [range, setRange] = useState<RowRange>({ start: 0, end: 0 });
  const selectedPosition = selected !== undefined && selected >= 1 && selected <= version ? selected : undefined;

  // Fetch what is in view once scrolling pauses, so a fling through 100k rows costs a few requests.
  useEffect(() => {
    const timer = setTimeout(() => pages.request(pagesFor(range, order, version, PAGE_SIZE, 10)), 60);
    return () => clearTimeout(timer);
  }, [range.start, range.end, order, version, pages.request]);

  const select = useCallback(
    (position: number) => navigate({ name: 'stream', streamId, event: position, ...(newestFirst ? { newestFirst } : {}) }, { replace: true }),
    [navigate, streamId, newestFirst],
  );

  const inCache = selectedPosition === undefined ? undefined : pages.eventAt(selectedPosition);
  const single = useFetch(selectedPosition !== undefined && !inCache ? `${streamId}@${selectedPosition}` : null, (signal) =>
    chronicle.readStream(streamId, { from: selectedPosition, limit: 1 }, { signal }),
  );
  const detail = inCache ?? single.data?.events.find((e) => e.streamPosition === selectedPosition);

  const renderRow = (index: number) => {
    const position = positionAt(index, order, version);
    const event = pages.eventAt(position);
    return (
      <div className="event-row" data-position={position}>
        <span className="pos mono">{position}</span>
        {event ? (
          <>
            <EventType event={event} />
            <span className="time mono">{formatTime(event.recordedAt)}</span>
            <span className="gpos mono" title="global position">
              #{event.globalPosition}
            </span>
          </>
        ) : (
          <span className="loading-bar" aria-label="loading" />
        )}
      </div>
    );
  };

  return (
    <div className="split">
      <section className="panel list-panel" aria-label="events">
        <div className="panel-bar">
          <span>
            <strong>{version.toLocaleString('en-US')}</strong> {version === 1 ? 'event' : 'events'}
          </span>
          <div className="segmented" role="group" aria-label="order">
            <button type="button" aria-pressed={!newestFirst} onClick={() => navigate({ name: 'stream', streamId, ...(selectedPosition ? { event: selectedPosition } : {}) }, { replace: true })}>
              Oldest first
            </button>
            <button type="button" aria-pressed={newestFirst} onClick={() => navigate({ name: 'stream', streamId, newestFirst: true, ...(selectedPosition ? { event: selectedPosition } : {}) }, { replace: true })}>
              Newest first
            </button>
          </div>
        </div>
        <div className="event-row event-head" aria-hidden="true">
          <span className="pos">pos</span>
          <span>type</span>
          <span className="time">recorded</span>
          <span className="gpos">global</span>
        </div>
        <VirtualList
          count={version}
          rowHeight={ROW_HEIGHT}
          label={`events of ${streamId}`}
          renderRow={renderRow}
          onRangeChange={setRange}
          selected={selectedPosition === undefined ? undefined : rowOf(selectedPosition, order, version)}
          onSelect={(index) => select(positionAt(index, order, version))}
          className="events-list"
        />
        {pages.error ? <div className="problem inline">{pages.error}</div> : null}
      </section>
      <section className="panel detail-panel" aria-label="event detail">
        {detail ? <EventDetail event={detail} /> : <Empty>{selectedPosition ? 'Loading…' : 'Select an event to see its data and metadata. ↑ ↓ move through the list.'}</Empty>}
      </section>
    </div>
  );
}
