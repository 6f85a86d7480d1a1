import { useEffect, useState } from 'react';
import { chronicle } from '../api/chronicle';
import { Empty, ProblemBox } from '../components/problem';
import { count, plural } from '../format';
import { useFetch } from '../hooks/use-fetch';
import { Link, useRouter } from '../router';
import { categoryOf } from '../../src/model/references';
import { searchStreams } from './search';

type Props = { readonly q: string; readonly category?: string; readonly type?: string };

/** Stream search by id prefix, category and event type; with nothing typed, an overview of the catalog. */
export function SearchView({ q, category, type }: Props) {
  const { navigate } = useRouter();
  const [text, setText] = useState(q);
  const catalog = useFetch('catalog', async (signal) => {
    const [types, categories] = await Promise.all([chronicle.eventTypes({ limit: 1000 }, { signal }), chronicle.categories({ limit: 1000 }, { signal })]);
    return { types: types.types, categories: categories.categories };
  });
  const categories = catalog.data?.categories ?? [];

  useEffect(() => setText(q), [q]);
  useEffect(() => {
    if (text === q) return;
    const timer = setTimeout(() => navigate({ name: 'search', q: text.trim(), ...(category ? { category } : {}), ...(type ? { type } : {}) }, { replace: true }), 200);
    return () => clearTimeout(timer);
  }, [text, q, category, type, navigate]);

  const searching = Boolean(q || category || type);
  const key = searching && !catalog.loading ? JSON.stringify({ q, category, type }) : null;
  const results = useFetch(key, (signal) => searchStreams({ q, ...(category ? { category } : {}), ...(type ? { type } : {}) }, categories, signal));
  const customer = q && results.data?.streams.some((s) => s.streamId === `account-${q}`) ? q : undefined;
  const setFilter = (next: { category?: string; type?: string }) =>
    navigate({ name: 'search', q, ...(category ? { category } : {}), ...(type ? { type } : {}), ...next }, { replace: true });

  return (
    <div className="search-view">
      <header className="page-head">
        <div>
          <h1>Find a stream</h1>
          <p className="muted">By id or id prefix (a customer id such as “bailey” finds their streams), by category, or by event type.</p>
        </div>
      </header>
      <form className="search-bar" role="search" onSubmit={(e) => e.preventDefault()}>
        <input type="search" placeholder="stream id, prefix or customer id" aria-label="search streams" value={text} onChange={(e) => setText(e.target.value)} autoFocus />
        <select aria-label="category" value={category ?? ''} onChange={(e) => setFilter({ category: e.target.value || undefined })} disabled={!catalog.data}>
          <option value="">any category</option>
          {categories.map((c) => (
            <option key={c.category} value={c.category}>
              {c.category} ({count(c.streams)})
            </option>
          ))}
        </select>
        <select aria-label="event type" value={type ?? ''} onChange={(e) => setFilter({ type: e.target.value || undefined })} disabled={!catalog.data}>
          <option value="">any event type</option>
          {(catalog.data?.types ?? []).map((t) => (
            <option key={t.type} value={t.type}>
              {t.type} ({count(t.events)})
            </option>
          ))}
        </select>
      </form>
      {catalog.error ? <p className="muted small">Search by category and event type needs the server's catalog: {catalog.error.detail}</p> : null}

      {customer ? (
        <Link to={{ name: 'customer', customerId: customer }} className="customer-card" data-testid="customer-result">
          <span className="customer-avatar" aria-hidden="true">
            {customer.slice(0, 1).toUpperCase()}
          </span>
          <span>
            <strong>Customer {customer}</strong>
            <span className="muted">licenses, downloads this year, devices and the full event dump</span>
          </span>
          <span className="arrow" aria-hidden="true">
            →
          </span>
        </Link>
      ) : null}

      {!searching ? (
        <Overview catalog={catalog.data} onCategory={(c) => setFilter({ category: c })} onType={(t) => setFilter({ type: t })} />
      ) : results.error ? (
        <ProblemBox error={results.error} />
      ) : results.data ? (
        results.data.streams.length === 0 ? (
          <Empty>No stream matches.</Empty>
        ) : (
          <section className="panel">
            <table className="table results" aria-label="streams found">
              <thead>
                <tr>
                  <th>stream</th>
                  <th>category</th>
                  <th className="num">{type ? `${type} events` : 'version'}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {results.data.streams.map((s) => (
                  <tr key={s.streamId}>
                    <td>
                      <Link to={{ name: 'stream', streamId: s.streamId }} className="mono">
                        {s.streamId}
                      </Link>
                    </td>
                    <td>
                      <span className="chip">{categoryOf(s.streamId)}</span>
                    </td>
                    <td className="num mono">{type ? s.typeEvents : s.version}</td>
                    <td className="actions">
                      <Link to={{ name: 'time-travel', streamId: s.streamId }} className="button small ghost">
                        time travel
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {results.data.more ? <p className="muted small pad">More streams match: refine the prefix or pick a category.</p> : null}
          </section>
        )
      ) : (
        <Empty>Searching…</Empty>
      )}
    </div>
  );
}

function Overview({
  catalog,
  onCategory,
  onType,
}: {
  catalog: { types: readonly { type: string; events: number; streams: number }[]; categories: readonly { category: string; streams: number; events: number }[] } | undefined;
  onCategory: (category: string) => void;
  onType: (type: string) => void;
}) {
  if (!catalog) return null;
  return (
    <div className="overview">
      <section className="panel">
        <h2>Categories</h2>
        <div className="cards">
          {catalog.categories.map((c) => (
            <button type="button" key={c.category} className="card" onClick={() => onCategory(c.category)}>
              <strong>{c.category}</strong>
              <span className="muted">
                {plural(c.streams, 'stream')} · {plural(c.events, 'event')}
              </span>
            </button>
          ))}
          {catalog.categories.length === 0 ? <Empty>No events yet.</Empty> : null}
        </div>
      </section>
      <section className="panel">
        <h2>Event types</h2>
        <table className="table" aria-label="event types">
          <thead>
            <tr>
              <th>type</th>
              <th className="num">events</th>
              <th className="num">streams</th>
            </tr>
          </thead>
          <tbody>
            {catalog.types.map((t) => (
              <tr key={t.type}>
                <td>
                  <button type="button" className="linklike" onClick={() => onType(t.type)}>
                    {t.type}
                  </button>
                </td>
                <td className="num mono">{count(t.events)}</td>
                <td className="num mono">{count(t.streams)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
