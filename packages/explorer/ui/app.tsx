import { TokenControl } from './components/token-control';
import { Empty } from './components/problem';
import { Link, useRouter } from './router';
import { CustomerView } from './views/customer-view';
import { LogView } from './views/log-view';
import { ProjectionsView } from './views/projections-view';
import { RulesView } from './views/rules-view';
import { SearchView } from './views/search-view';
import { StreamView } from './views/stream-view';

function Screen() {
  const { route } = useRouter();
  switch (route.name) {
    case 'search':
      return <SearchView q={route.q} {...(route.category ? { category: route.category } : {})} {...(route.type ? { type: route.type } : {})} />;
    case 'stream':
      return <StreamView key={route.streamId} streamId={route.streamId} tab="events" {...(route.event ? { event: route.event } : {})} {...(route.newestFirst ? { newestFirst: true } : {})} />;
    case 'time-travel':
      return <StreamView key={route.streamId} streamId={route.streamId} tab="time-travel" {...(route.version !== undefined ? { version: route.version } : {})} />;
    case 'log':
      return <LogView {...(route.types ? { types: route.types } : {})} {...(route.streamPrefix ? { streamPrefix: route.streamPrefix } : {})} />;
    case 'projections':
      return <ProjectionsView />;
    case 'rules':
      return <RulesView />;
    case 'customer':
      return <CustomerView key={route.customerId} customerId={route.customerId} />;
    case 'not-found':
      return <Empty>Nothing here ({route.path}).</Empty>;
  }
}

/** The explorer: a top bar with the screens, and the current screen. */
export function App() {
  const { route } = useRouter();
  const section = route.name === 'log' || route.name === 'projections' || route.name === 'rules' ? route.name : 'streams';
  return (
    <div className="app">
      <header className="topbar">
        <Link to={{ name: 'search', q: '' }} className="brand">
          <span className="logo" aria-hidden="true">
            <svg viewBox="0 0 32 32" width="22" height="22">
              <rect width="32" height="32" rx="7" fill="currentColor" />
              <path d="M9 22V10m7 12V6m7 16v-8" stroke="#fff" strokeWidth="3" strokeLinecap="round" />
            </svg>
          </span>
          Chronicle <span className="brand-sub">Explorer</span>
        </Link>
        <nav className="nav" aria-label="screens">
          <Link to={{ name: 'search', q: '' }} aria-current={section === 'streams' ? 'page' : undefined}>
            Streams
          </Link>
          <Link to={{ name: 'log' }} aria-current={section === 'log' ? 'page' : undefined}>
            Global log
          </Link>
          <Link to={{ name: 'projections' }} aria-current={section === 'projections' ? 'page' : undefined}>
            Projections
          </Link>
          <Link to={{ name: 'rules' }} aria-current={section === 'rules' ? 'page' : undefined}>
            Rules
          </Link>
        </nav>
        <TokenControl />
      </header>
      <main className="main">
        <Screen />
      </main>
    </div>
  );
}
