import { chronicle } from '../api/chronicle';
import { Empty, ProblemBox } from '../components/problem';
import { ago, count, formatTime } from '../format';
import { useFetch } from '../hooks/use-fetch';
import { Link } from '../router';
import { categoryOf, customerOfStream } from '../../src/model/references';
import { StreamEvents } from './stream-events';
import { TimeTravel } from './time-travel';

type Props = {
  readonly streamId: string;
  readonly tab: 'events' | 'time-travel';
  readonly event?: number;
  readonly newestFirst?: boolean;
  readonly version?: number;
};

/** One stream: its header, then its events or time travel through its states. */
export function StreamView({ streamId, tab, event, newestFirst, version }: Props) {
  const head = useFetch(streamId, (signal) => chronicle.readStream(streamId, { limit: 1, direction: 'backwards' }, { signal }));
  const customer = customerOfStream(streamId);
  const last = head.data?.events[0];
  return (
    <div className="stream-view">
      <header className="page-head">
        <div>
          <div className="crumbs">
            <Link to={{ name: 'search', q: '' }}>streams</Link> /{' '}
            <Link to={{ name: 'search', q: '', category: categoryOf(streamId) }}>{categoryOf(streamId)}</Link>
          </div>
          <h1 className="mono" data-testid="stream-id">
            {streamId}
          </h1>
          {head.data ? (
            <p className="muted">
              version <strong className="mono">{count(head.data.version)}</strong>
              {last ? (
                <>
                  {' '}
                  · last event {last.type} {ago(last.recordedAt)} ({formatTime(last.recordedAt)})
                </>
              ) : null}
            </p>
          ) : null}
        </div>
        <div className="head-actions">
          {customer ? (
            <Link to={{ name: 'customer', customerId: customer }} className="button">
              Customer {customer}
            </Link>
          ) : null}
          <button type="button" className="button ghost" onClick={head.reload} title="Reload the stream's version">
            Refresh
          </button>
        </div>
      </header>
      <nav className="tabs" aria-label="stream views">
        <Link to={{ name: 'stream', streamId }} aria-current={tab === 'events' ? 'page' : undefined}>
          Events
        </Link>
        <Link to={{ name: 'time-travel', streamId }} aria-current={tab === 'time-travel' ? 'page' : undefined}>
          Time travel
        </Link>
      </nav>
      {head.error ? (
        <ProblemBox error={head.error} title={head.error.code === 'STREAM_NOT_FOUND' ? 'No such stream' : undefined} />
      ) : !head.data ? (
        <Empty>Loading…</Empty>
      ) : tab === 'events' ? (
        <StreamEvents key={`${streamId}:${head.data.version}`} streamId={streamId} version={head.data.version} newestFirst={newestFirst ?? false} {...(event ? { selected: event } : {})} />
      ) : (
        <TimeTravel key={`${streamId}:${head.data.version}`} streamId={streamId} version={head.data.version} {...(version !== undefined ? { requested: version } : {})} />
      )}
    </div>
  );
}
