import { useState } from 'react';
import { downloads, type CustomerDownloads } from '../api/downloads';
import { EventDetail } from '../components/event-detail';
import { EventType } from '../components/event-badges';
import { MiddleEllipsis } from '../components/middle-ellipsis';
import { Empty, ProblemBox } from '../components/problem';
import { VirtualList } from '../components/virtual-list';
import { formatDate, formatTime } from '../format';
import { useFetch } from '../hooks/use-fetch';
import { Link } from '../router';

const ROW_HEIGHT = 34;

/** A Downloads customer: active licenses, downloads per title this rolling year, devices, and the event dump. */
export function CustomerView({ customerId }: { customerId: string }) {
  const summary = useFetch(`summary:${customerId}`, (signal) => downloads.summary(customerId, { signal }));
  const dump = useFetch(`events:${customerId}`, (signal) => downloads.events(customerId, { signal }));
  const [selected, setSelected] = useState<number>();

  if (summary.error?.code === 'NOT_FOUND' && summary.error.detail.startsWith('no route')) {
    return <Empty>This server has no Downloads API, so there is no customer page. Search for the customer's streams instead.</Empty>;
  }
  const data = summary.data;
  const events = dump.data?.events ?? [];
  // Licenses not released are "active" to the API; those past their expiry are listed apart.
  const current = data?.activeLicenses.filter((l) => !l.expired) ?? [];
  const expired = data?.activeLicenses.filter((l) => l.expired) ?? [];
  // A customer with no event at all is not a customer: say so instead of an empty page.
  if (dump.data && dump.data.count === 0 && data && data.titles.length === 0) {
    return (
      <div className="customer-view">
        <header className="page-head">
          <div>
            <div className="crumbs">customers</div>
            <h1 data-testid="customer-id">{customerId}</h1>
          </div>
        </header>
        <div role="alert" data-testid="customer-not-found">
          <Empty>Customer {customerId} not found: no event of this customer is recorded.</Empty>
        </div>
      </div>
    );
  }
  const event = selected === undefined ? undefined : events[selected];

  const saveDump = () => {
    const blob = new Blob([JSON.stringify(dump.data, null, 2)], { type: 'application/json' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `${customerId}-events.json`;
    link.click();
    URL.revokeObjectURL(link.href);
  };

  return (
    <div className="customer-view">
      <header className="page-head">
        <div>
          <div className="crumbs">customers</div>
          <h1 data-testid="customer-id">{customerId}</h1>
          {data ? (
            <p className="muted">
              {current.length} active license{current.length === 1 ? '' : 's'}
              {expired.length > 0 ? ` (${expired.length} expired)` : ''} · {data.devices.length} of {data.limits.devicesPerAccount} devices · {data.deactivationsThisYear} of{' '}
              {data.limits.deactivationsPerYear} deactivations this year
            </p>
          ) : null}
        </div>
        <div className="head-actions">
          <Link to={{ name: 'stream', streamId: `account-${customerId}` }} className="button ghost">
            Account stream
          </Link>
        </div>
      </header>
      {summary.error ? <ProblemBox error={summary.error} /> : null}
      {data ? (
        <div className="customer-grid">
          <section className="panel wide" aria-label="active licenses">
            <h2>Active licenses</h2>
            {current.length === 0 ? (
              <Empty>No active license.</Empty>
            ) : (
              <LicenseTable licenses={current} />
            )}
          </section>
          {expired.length > 0 ? (
            <section className="panel wide" aria-label="expired licenses">
              <h2>Expired, not released</h2>
              <LicenseTable licenses={expired} />
            </section>
          ) : null}
          <section className="panel" aria-label="downloads per title this year">
            <h2>Downloads this rolling year</h2>
            <ul className="bars">
              {data.titles.map((t) => (
                <li key={t.titleId} data-title={t.titleId}>
                  <Link to={{ name: 'time-travel', streamId: `downloaded-${customerId}/${t.titleId}` }}>{t.titleId}</Link>
                  <div className={`bar ${t.remaining === 0 ? 'full' : ''}`} aria-label={`${t.downloadsThisYear} of ${t.limit}`}>
                    <div style={{ width: `${Math.min(1, t.downloadsThisYear / Math.max(1, t.limit)) * 100}%` }} />
                  </div>
                  <span className="mono">
                    {t.downloadsThisYear} / {t.limit}
                  </span>
                </li>
              ))}
            </ul>
          </section>
          <section className="panel" aria-label="devices and studios">
            <h2>Devices</h2>
            <div className="chips">
              {data.devices.length === 0 ? <span className="muted">none active</span> : data.devices.map((d) => <span key={d} className="chip">{d}</span>)}
            </div>
            <h2>Studios</h2>
            <ul className="bars">
              {data.studios.map((s) => (
                <li key={s.studioId}>
                  <span>{s.studioId}</span>
                  <div className="bar" aria-label={`${s.active} of ${s.limit}`}>
                    <div style={{ width: `${Math.min(1, s.active / Math.max(1, s.limit)) * 100}%` }} />
                  </div>
                  <span className="mono">
                    {s.active} / {s.limit}
                  </span>
                </li>
              ))}
            </ul>
          </section>
        </div>
      ) : null}
      <div className="split dump">
        <section className="panel list-panel" aria-label="event dump">
          <div className="panel-bar">
            <span>
              <strong>{dump.data?.count ?? '…'}</strong> events, every stream of the customer in commit order
            </span>
            <button type="button" className="button small ghost" onClick={saveDump} disabled={!dump.data}>
              Download JSON
            </button>
          </div>
          {dump.error ? <ProblemBox error={dump.error} /> : null}
          <VirtualList
            count={events.length}
            rowHeight={ROW_HEIGHT}
            label="customer events"
            selected={selected}
            onSelect={setSelected}
            className="dump-list"
            renderRow={(index) => {
              const e = events[index]!;
              return (
                <div className="event-row log-row">
                  <span className="gpos mono">#{e.globalPosition}</span>
                  <span className="stream mono">
                    <MiddleEllipsis text={e.streamId} />
                    <span className="muted">@{e.streamPosition}</span>
                  </span>
                  <EventType event={e} />
                  <span className="time mono">{formatTime(e.recordedAt)}</span>
                </div>
              );
            }}
          />
        </section>
        <section className="panel detail-panel" aria-label="event detail">
          {event ? <EventDetail event={event} showStream /> : <Empty>Select an event to read it.</Empty>}
        </section>
      </div>
    </div>
  );
}

type LicenseRow = CustomerDownloads['activeLicenses'][number];

function LicenseTable({ licenses }: { licenses: readonly LicenseRow[] }) {
  return (
    <div className="table-scroll">
      <table className="table">
        <thead>
          <tr>
            <th>license</th>
            <th>title</th>
            <th>device</th>
            <th>studio</th>
            <th>acquired</th>
            <th>expires</th>
          </tr>
        </thead>
        <tbody>
          {licenses.map((l) => (
            <tr key={l.licenseId}>
              <td>
                <Link to={{ name: 'time-travel', streamId: `license-${l.licenseId}` }} className="mono" title={`license-${l.licenseId}`}>
                  {l.licenseId.slice(0, 8)}…
                </Link>
              </td>
              <td>{l.titleId}</td>
              <td>{l.deviceId}</td>
              <td>{l.studioId}</td>
              <td className="mono">{formatDate(l.acquiredAt)}</td>
              <td className="mono">
                {formatDate(l.expiresAt)} {l.expired ? <span className="chip chip-removed">expired</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
