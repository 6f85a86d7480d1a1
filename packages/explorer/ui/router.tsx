import { createContext, useCallback, useContext, useEffect, useMemo, useState, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';
import { parseRoute, routeHref, type Route } from '../src/model/routes';

type Router = {
  readonly route: Route;
  /** Goes to a route; `replace` rewrites the current history entry (for state like a slider position). */
  navigate(to: Route, options?: { replace?: boolean }): void;
};

const RouterContext = createContext<Router | undefined>(undefined);

function current(): Route {
  return parseRoute(window.location.pathname, window.location.search);
}

/** History-API routing under /explorer: the server answers every path there with the app. */
export function RouterProvider({ children }: { children: ReactNode }) {
  const [route, setRoute] = useState<Route>(current);
  useEffect(() => {
    const onPop = () => setRoute(current());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to: Route, options: { replace?: boolean } = {}) => {
    const href = routeHref(to);
    if (href === window.location.pathname + window.location.search) return;
    if (options.replace) window.history.replaceState(null, '', href);
    else window.history.pushState(null, '', href);
    setRoute(parseRoute(window.location.pathname, window.location.search));
    if (!options.replace) window.scrollTo(0, 0);
  }, []);
  const value = useMemo(() => ({ route, navigate }), [route, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

/** The current route and a way to change it. */
export function useRouter(): Router {
  const router = useContext(RouterContext);
  if (!router) throw new Error('useRouter outside RouterProvider');
  return router;
}

/** A link to a route: a real `<a href>` (open in a new tab works), navigated in place on a plain click. */
export function Link({ to, children, ...rest }: { to: Route; children: ReactNode } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  const { navigate } = useRouter();
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a {...rest} href={routeHref(to)} onClick={onClick}>
      {children}
    </a>
  );
}
