import { rules, type RulesChange } from '../api/downloads';
import { Empty, ProblemBox } from '../components/problem';
import { formatTime } from '../format';
import { useFetch } from '../hooks/use-fetch';
import { Link } from '../router';

type FieldChange = { readonly path: string; readonly before?: string; readonly after?: string };

/** Leaf values of a JSON object by dotted path (`studioLimits.perStudio.hbo`), as JSON text; an empty object has none. */
function leaves(value: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) leaves(child, prefix ? `${prefix}.${key}` : key, into);
  } else if (prefix) into.set(prefix, JSON.stringify(value));
  return into;
}

/** What one change changed, field by field (old → new). */
export function fieldChanges(change: RulesChange): FieldChange[] {
  const before = leaves(change.previous ?? {});
  const after = leaves(change.rules);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths
    .filter((path) => before.get(path) !== after.get(path))
    .map((path) => ({ path, ...(before.has(path) ? { before: before.get(path)! } : {}), ...(after.has(path) ? { after: after.get(path)! } : {}) }));
}

/** The Downloads rules: every change, newest first — who, when, old → new. */
export function RulesView() {
  const history = useFetch('rules-history', (signal) => rules.history({ signal }));
  return (
    <div className="rules-view">
      <header className="page-head">
        <div>
          <h1>Rules</h1>
          <p className="muted">
            The Downloads business rules are events in the stream{' '}
            <Link to={{ name: 'stream', streamId: 'rules-downloads' }} className="mono">
              rules-downloads
            </Link>
            : every instance applies a change within a second.
          </p>
        </div>
      </header>
      {history.error ? (
        history.error.status === 404 ? (
          <Empty>This server keeps no rules history (it is not the Downloads service).</Empty>
        ) : (
          <ProblemBox error={history.error} />
        )
      ) : null}
      {history.data ? (
        <section className="panel">
          <table className="table" aria-label="rules history">
            <thead>
              <tr>
                <th className="num">version</th>
                <th>when</th>
                <th>who</th>
                <th>changes (old → new)</th>
              </tr>
            </thead>
            <tbody>
              {[...history.data.changes].reverse().map((change) => (
                <tr key={change.version} data-version={change.version}>
                  <td className="num mono">
                    <Link to={{ name: 'time-travel', streamId: 'rules-downloads', version: change.version }}>v{change.version}</Link>
                    {change.version === history.data!.version ? <div className="small muted">in force</div> : null}
                  </td>
                  <td className="small">{formatTime(change.recordedAt)}</td>
                  <td>
                    {change.changedBy}
                    <div className="small muted">{change.source}</div>
                  </td>
                  <td>
                    {change.previous === null ? (
                      <span className="muted">first rules</span>
                    ) : (
                      <ul className="changes">
                        {fieldChanges(change).map((field) => (
                          <li key={field.path} className="mono small">
                            {field.path}: <span className="removed">{field.before ?? '—'}</span> → <span className="added">{field.after ?? '—'}</span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
}
