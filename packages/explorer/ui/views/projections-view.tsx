import { useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { chronicle } from '../api/chronicle';
import type { ProjectionStatus } from '../api/types';
import { Empty, ProblemBox } from '../components/problem';
import { ago, count } from '../format';
import { useFetch, useTicker } from '../hooks/use-fetch';
import { useToken } from '../hooks/use-token';

/** Projections and reactors: position against the head, lag, throughput, failures; rebuild with the token. */
export function ProjectionsView() {
  const tick = useTicker(2_000);
  const list = useFetch('projections', (signal) => chronicle.projections({ signal }));
  const [token] = useToken();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  useEffect(() => {
    if (tick > 0) list.reload();
  }, [tick]);

  const rebuild = async (name: string) => {
    try {
      await chronicle.rebuild(name, token);
      setMessage({ kind: 'ok', text: `Rebuild of ${name} started; progress shows below.` });
      list.reload();
    } catch (error) {
      const problem = error as ApiError;
      setMessage({ kind: 'error', text: problem.code === 'UNAUTHORIZED' ? 'The server refused the token.' : `${problem.code}: ${problem.detail}` });
    }
  };

  return (
    <div className="projections-view">
      <header className="page-head">
        <div>
          <h1>Projections</h1>
          <p className="muted">Read models and reactors, refreshed every 2 s. {token ? 'Your token unlocks rebuilds.' : 'Enter the API token (top right) to rebuild.'}</p>
        </div>
      </header>
      {message ? (
        <div className={message.kind === 'ok' ? 'notice' : 'problem'} role="status">
          {message.text}
        </div>
      ) : null}
      {list.error ? <ProblemBox error={list.error} /> : null}
      {list.data ? (
        list.data.projections.length === 0 ? (
          <Empty>This server reports no projections.</Empty>
        ) : (
          <section className="panel">
            <table className="table" aria-label="projections">
              <thead>
                <tr>
                  <th>name</th>
                  <th>state</th>
                  <th>position</th>
                  <th className="num">lag</th>
                  <th className="num">events/s</th>
                  <th>errors</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.data.projections.map((p) => (
                  <Row key={p.name} projection={p} canRebuild={Boolean(token)} onRebuild={() => void rebuild(p.name)} />
                ))}
              </tbody>
            </table>
          </section>
        )
      ) : null}
    </div>
  );
}

function Row({ projection: p, canRebuild, onRebuild }: { projection: ProjectionStatus; canRebuild: boolean; onRebuild: () => void }) {
  const done = p.head === 0 ? 1 : Math.min(1, p.position / p.head);
  return (
    <tr data-projection={p.name}>
      <td>
        <strong className="mono">{p.name}</strong>
        <div className="muted small">{p.kind}</div>
      </td>
      <td>
        <span className={`state state-${p.state}`}>{p.state}</span>
        {p.rebuild ? (
          <div className="small muted">
            rebuild {p.rebuild.status} {ago(p.rebuild.startedAt)}
            {p.rebuild.error ? `: ${p.rebuild.error}` : ''}
          </div>
        ) : null}
      </td>
      <td className="progress-cell">
        <div className="progress" aria-label={`${p.position} of ${p.head}`}>
          <div style={{ width: `${done * 100}%` }} />
        </div>
        <span className="mono small">
          {count(p.position)} / {count(p.head)}
        </span>
      </td>
      <td className="num mono" data-testid="lag">
        {count(p.lagEvents)} ev · {p.lagSeconds.toFixed(1)} s
      </td>
      <td className="num mono">{p.eventsPerSecond.toFixed(1)}</td>
      <td className="small">
        {p.failures > 0 || p.lastError ? (
          <span className="error-text" title={p.lastError?.message}>
            {p.failures} failing{p.lastError ? `: ${p.lastError.message}` : ''}
          </span>
        ) : (
          <span className="muted">none</span>
        )}
        {p.parked ? <div className="small">{p.parked} parked</div> : null}
      </td>
      <td className="actions">
        {canRebuild && p.rebuildable ? (
          <button type="button" className="button small" onClick={onRebuild} disabled={p.rebuild?.status === 'running'}>
            Rebuild
          </button>
        ) : null}
      </td>
    </tr>
  );
}
