import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';
import { createElement } from 'react';

/**
 * The console's own small router: a page is a path under /console ('/', '/topics',
 * '/subscribers/:id'), matched against the patterns the areas declare (src/areas).
 */
export const BASE = '/console';
const listeners = new Set<() => void>();

/** The path under /console ('/' for the console's root), without query or hash. */
export function currentPath(pathname = window.location.pathname): string {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const path = rest === '' ? '/' : rest;
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** The address of a console path, for href and history. */
export function consoleHref(path: string): string {
  return path === '/' ? `${BASE}/` : `${BASE}${path}`;
}

/** Moves to another page without a reload (replace: no new history entry). */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const href = consoleHref(path);
  if (`${window.location.pathname}${window.location.search}` === href) return;
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.scrollTo?.(0, 0);
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

/** The current path under /console and its query string. */
export function useLocation(): { path: string; search: string } {
  const path = useSyncExternalStore(subscribe, () => currentPath());
  const search = useSyncExternalStore(subscribe, () => window.location.search);
  return { path, search };
}

/** The parameters of `pattern` ('/subscribers/:id') in `path`, or null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return params;
}

/** A link to a console path that moves without a reload (a modified click opens a new tab). */
export function Link({
  to,
  ...rest
}: { to: string } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  return createElement('a', {
    ...rest,
    href: consoleHref(to),
    onClick: (e: MouseEvent<HTMLAnchorElement>) => {
      rest.onClick?.(e);
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
      e.preventDefault();
      navigate(to);
    },
  });
}
