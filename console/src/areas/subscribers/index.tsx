import { lazy } from 'react';
import type { Locale } from '../../i18n';
import type { ConsolePage } from '../types';
import { names } from './names';
import './subscribers.css';

const SubscriberSearch = lazy(() => import('./SubscriberSearch'));
const SubscriberImport = lazy(() => import('./SubscriberImport'));
const SubscriberProfile = lazy(() => import('./SubscriberProfile'));

const t = (l: Locale) => names[l];

/** Subscribers: search, a subscriber's profile with support actions, and CSV import. */
export const subscriberPages: ConsolePage[] = [
  {
    path: '/subscribers',
    scope: 'subscribers:read',
    nav: { order: 50, label: (l) => t(l).nav },
    title: (l) => t(l).searchTitle,
    render: () => <SubscriberSearch />,
  },
  {
    path: '/subscribers/import',
    scope: 'subscribers:write',
    title: (l) => t(l).importTitle,
    render: () => <SubscriberImport />,
  },
  {
    path: '/subscribers/:id',
    scope: 'subscribers:read',
    title: (l) => t(l).profileTitle,
    render: (p) => <SubscriberProfile id={p.id} />,
  },
];
