import { useSyncExternalStore } from 'react';

/** The console's pages; the path under /console. */
export type Route = 'setup' | 'sign-in' | 'home';

const BASE = '/console';
const listeners = new Set<() => void>();

function routeOf(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  if (rest.startsWith('/setup')) return 'setup';
  if (rest.startsWith('/sign-in')) return 'sign-in';
  return 'home';
}

const PATHS: Record<Route, string> = {
  setup: `${BASE}/setup`,
  'sign-in': `${BASE}/sign-in`,
  home: `${BASE}/`,
};

/** Moves to another page without a reload (replace: no new history entry). */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  if (routeOf(window.location.pathname) === route) return;
  if (options.replace) window.history.replaceState(null, '', PATHS[route]);
  else window.history.pushState(null, '', PATHS[route]);
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, () => routeOf(window.location.pathname));
}
