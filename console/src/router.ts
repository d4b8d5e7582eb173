import {
  useEffect,
  useRef,
  useSyncExternalStore,
  type AnchorHTMLAttributes,
  type MouseEvent,
} from 'react';
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

/**
 * Pages with work that leaving would lose (unsaved edits): each gives the question to ask, or
 * null when nothing would be lost. While one has a question, moving away asks it first: a link,
 * `navigate()`, the browser's back and forward (put back when the answer is no), and closing or
 * reloading the tab (the browser's own question).
 */
const leaveGuards = new Set<{ question: string | null }>();

function leaveQuestion(): string | null {
  for (const g of leaveGuards) if (g.question) return g.question;
  return null;
}

/** True when nothing would be lost, or the user agreed to lose it. */
function mayLeave(): boolean {
  const question = leaveQuestion();
  return !question || window.confirm(question);
}

/** Asks `question` before the user leaves the page, while it is not null. */
export function useLeaveGuard(question: string | null): void {
  const guard = useRef({ question });
  guard.current.question = question;
  useEffect(() => {
    const g = guard.current;
    leaveGuards.add(g);
    return () => {
      leaveGuards.delete(g);
    };
  }, []);
  useEffect(() => {
    if (!question) return;
    const onUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = question;
    };
    window.addEventListener('beforeunload', onUnload);
    return () => window.removeEventListener('beforeunload', onUnload);
  }, [question]);
}

/**
 * Moves to another page without a reload (replace: no new history entry; done: the page's work
 * is saved, so no leave guard asks).
 */
export function navigate(path: string, options: { replace?: boolean; done?: boolean } = {}): void {
  const href = consoleHref(path);
  if (`${window.location.pathname}${window.location.search}` === href) return;
  if (!options.done && !mayLeave()) return;
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  shownHref = href;
  window.scrollTo?.(0, 0);
  listeners.forEach((l) => l());
}

/** The address the console shows, to go back to when the user stays after back or forward. */
let shownHref = typeof window === 'undefined' ? '' : window.location.href;

function onPopState(): void {
  if (!mayLeave()) {
    window.history.pushState(null, '', shownHref);
    return;
  }
  shownHref = window.location.href;
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void): () => void {
  if (!listeners.size) window.addEventListener('popstate', onPopState);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (!listeners.size) window.removeEventListener('popstate', onPopState);
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
