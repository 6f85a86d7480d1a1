import { useCallback, useSyncExternalStore } from 'react';

const KEY = 'chronicle.explorer.token';
const listeners = new Set<() => void>();

function read(): string {
  try {
    return window.sessionStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

/**
 * The API token entered in the explorer, kept in sessionStorage (gone when the
 * tab closes). Without it the explorer is read-only; it only unlocks rebuilds.
 */
export function useToken(): [string, (token: string) => void] {
  const token = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    read,
  );
  const set = useCallback((next: string) => {
    try {
      if (next) window.sessionStorage.setItem(KEY, next);
      else window.sessionStorage.removeItem(KEY);
    } catch {
      // storage disabled: the token lasts for this page only
    }
    for (const listener of listeners) listener();
  }, []);
  return [token, set];
}
