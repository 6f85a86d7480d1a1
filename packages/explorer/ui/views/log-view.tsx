import { useEffect, useState, type FormEvent } from 'react';
import { EventDetail } from '../components/event-detail';
import { EventType } from '../components/event-badges';
import { MiddleEllipsis } from '../components/middle-ellipsis';
import { Empty } from '../components/problem';
import { VirtualList } from '../components/virtual-list';
import { formatTime } from '../format';
import { useLiveLog } from '../hooks/use-live-log';
import { normalizeTypes } from '../../src/model/routes';
import { Link, useRouter } from '../router';

const ROW_HEIGHT = 34;
const LABEL: Record<string, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', paused: 'Paused' };

/** What the filter asks for, in words (for the empty state). */
function describeFilter(types: string | undefined, streamPrefix: string | undefined): string {
  const parts = [types ? `of type ${types.split(',').join(' or ')}` : '', streamPrefix ? `in streams starting with “${streamPrefix}”` : ''];
  return parts.filter(Boolean).join(' ');
}

/**
 * The global log, newest first, following new events live; optionally only some event types and a stream prefix
 * (filtered by the store, kept in the address as `?types=A,B&streamPrefix=p`).
 */
export function LogView({ types, streamPrefix }: { types?: string; streamPrefix?: string }) {
  const log = useLiveLog({ ...(types ? { types } : {}), ...(streamPrefix ? { streamPrefix } : {}) });
  const { navigate } = useRouter();
  const [selected, setSelected] = useState<number>();
  const [typesText, setTypesText] = useState(types ?? '');
  const [prefixText, setPrefixText] = useState(streamPrefix ?? '');
  useEffect(() => {
    setTypesText(types ?? '');
    setPrefixText(streamPrefix ?? '');
    setSelected(undefined);
  }, [types, streamPrefix]);
  const filtered = Boolean(types || streamPrefix);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const nextTypes = normalizeTypes(typesText) || undefined;
    const nextPrefix = prefixText.trim() || undefined;
    navigate({ name: 'log', ...(nextTypes ? { types: nextTypes } : {}), ...(nextPrefix ? { streamPrefix: nextPrefix } : {}) });
  };
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
      <form className="search-bar log-filter" role="search" aria-label="filter the global log" onSubmit={apply}>
        <input
          type="search"
          placeholder="event types, comma-separated (all by default)"
          aria-label="event types"
          value={typesText}
          onChange={(e) => setTypesText(e.target.value)}
        />
        <input type="search" placeholder="stream id prefix" aria-label="stream prefix" value={prefixText} onChange={(e) => setPrefixText(e.target.value)} />
        <button type="submit" className="button">
          Filter
        </button>
        {filtered ? (
          <button type="button" className="button ghost" onClick={() => navigate({ name: 'log' })}>
            Clear
          </button>
        ) : null}
      </form>
      <div className="split">
        <section className="panel list-panel" aria-label="global log">
          <div className="event-row log-row event-head" aria-hidden="true">
            <span className="gpos">global</span>
            <span>stream</span>
            <span>type</span>
            <span className="time">recorded</span>
          </div>
          {log.events.length === 0 && log.state !== 'connecting' ? (
            filtered ? (
              <Empty>
                No events {describeFilter(types, streamPrefix)} yet. Matching events will show up here as they are appended.{' '}
                <Link to={{ name: 'log' }}>Show every event</Link>
              </Empty>
            ) : (
              <Empty>No events yet. They will show up here as they are appended.</Empty>
            )
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
