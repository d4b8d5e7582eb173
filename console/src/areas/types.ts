import type { ReactNode } from 'react';
import type { Locale } from '../i18n';

/**
 * One page of the console. Each area (src/areas/<area>/index.tsx) exports its pages; App matches
 * the current path against them in order, so put '/topics/new' before '/topics/:id'.
 *
 * Keep index.tsx small and load the page components with React.lazy, so that only the frame is
 * in the initial script (App wraps every page in a Suspense):
 *
 *   const TopicList = lazy(() => import('./TopicList'));
 *   export const topicsPages: ConsolePage[] = [
 *     { path: '/topics', scope: 'topics:read', nav: {...}, title: ..., render: () => <TopicList /> },
 *   ];
 */
export interface ConsolePage {
  /** The path under /console, with :params ('/subscribers/:id'). */
  path: string;
  /** Opens without signing in (the account pages a one-time link leads to). */
  public?: boolean;
  /** The scope the user's role needs to open the page ('campaigns:read'); none: every user. */
  scope?: string;
  /** In the main navigation, in this order, with this label. */
  nav?: { order: number; label: (locale: Locale) => string };
  /** The document title (before " · Tidings console"). */
  title: (locale: Locale) => string;
  render: (params: Record<string, string>) => ReactNode;
}
