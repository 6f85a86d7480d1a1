import { useEffect, useState } from 'react';
import { EventDetail } from '../components/event-detail';
import { EventType } from '../components/event-badges';
import { MiddleEllipsis } from '../components/middle-ellipsis';
import { Empty } from '../components/problem';
import { VirtualList } from '../components/virtual-list';
import { formatTime } from '../format';
import { useLiveLog } from '../hooks/use-live-log';
import { Link } from '../router';

const ROW_HEIGHT = 34;
const LABEL: Record<string, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', paused: 'Paused' };

/** The global log, newest first, following new events live. */
export function LogView() {
  const log = useLiveLog();
  const [selected, setSelected] = useState<number>();
  const [range, setRange] = useState({ start: 0, end: 0 });
  const event = selected === undefined ? undefined : log.events.find((e) => e.globalPosition === selected);

  useEffect(() => {
    if (log.hasOlder && range.end >= log.events.length - 5 && log.events.length > 0) log.loadOlder();
  }, [range.end, log.events.length, log.hasOlder, log.loadOlder]);

  return (
    <div className="log-view">
      <header className="page-head">
        <div>
          <h1>Global log</h1>
          <p className="muted">Every event in commit order, newest first. New events appear as they are appended.</p>
        </div>
        <div className="head-actions">
          <span className={`live-pill live-${log.state}`} data-testid="live-state" role="status">
            <span className="dot" aria-hidden="true" />
            {LABEL[log.state]}
            {log.pending > 0 ? ` · ${log.pending} new` : ''}
          </span>
          <button type="button" className="button ghost" onClick={() => log.setPaused(log.state !== 'paused')}>
            {log.state === 'paused' ? 'Resume' : 'Pause'}
          </button>
        </div>
      </header>
      <div className="split">
        <section className="panel list-panel" aria-label="global log">
          <div className="event-row log-row event-head" aria-hidden="true">
            <span className="gpos">global</span>
            <span>stream</span>
            <span>type</span>
            <span className="time">recorded</span>
          </div>
          {log.events.length === 0 && log.state !== 'connecting' ? (
            <Empty>No events yet. They will show up here as they are appended.</Empty>
          ) : (
            <VirtualList
              count={log.events.length}
              rowHeight={ROW_HEIGHT}
              label="global log events"
              onRangeChange={setRange}
              selected={selected === undefined ? undefined : log.events.findIndex((e) => e.globalPosition === selected)}
              onSelect={(index) => setSelected(log.events[index]?.globalPosition)}
              renderRow={(index) => {
                const e = log.events[index]!;
                return (
                  <div className={`event-row log-row ${log.fresh.has(e.globalPosition) ? 'fresh' : ''}`} data-global-position={e.globalPosition}>
                    <span className="gpos mono">#{e.globalPosition}</span>
                    <span className="stream mono">
                      <Link to={{ name: 'stream', streamId: e.streamId, event: e.streamPosition }} onClick={(ev) => ev.stopPropagation()}>
                        <MiddleEllipsis text={e.streamId} />
                      </Link>
                      <span className="muted">@{e.streamPosition}</span>
                    </span>
                    <EventType event={e} />
                    <span className="time mono">{formatTime(e.recordedAt)}</span>
                  </div>
                );
              }}
            />
          )}
        </section>
        <section className="panel detail-panel" aria-label="event detail">
          {event ? <EventDetail event={event} showStream /> : <Empty>Select an event to see it in full.</Empty>}
        </section>
      </div>
    </div>
  );
}
