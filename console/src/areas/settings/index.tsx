import { lazy } from 'react';
import type { Locale } from '../../i18n';
import type { ConsolePage } from '../types';
import './settings.css';
import { useSettingsTexts } from './texts';

const Suppressions = lazy(() => import('./Suppressions'));
const Signals = lazy(() => import('./Signals'));
const Webhooks = lazy(() => import('./Webhooks'));
const WebhookDeliveries = lazy(() => import('./WebhookDeliveries'));
const MyAccount = lazy(() => import('./MyAccount'));
const ApiKeys = lazy(() => import('./ApiKeys'));
const Users = lazy(() => import('./Users'));
const Activity = lazy(() => import('./Activity'));
const AcceptInvite = lazy(() =>
  import('./AccountPages').then((m) => ({ default: m.AcceptInvite })),
);
const ResetPassword = lazy(() =>
  import('./AccountPages').then((m) => ({ default: m.ResetPassword })),
);
const ForgotPassword = lazy(() =>
  import('./AccountPages').then((m) => ({ default: m.ForgotPassword })),
);

const t = (locale: Locale) => useSettingsTexts.of(locale);

/** Deliverability and settings, and the account pages one-time links open (see ../types.ts). */
export const settingsPages: ConsolePage[] = [
  {
    path: '/deliverability',
    scope: 'subscribers:read',
    nav: { order: 60, label: (l) => t(l).deliverability },
    title: (l) => t(l).suppressionsTitle,
    render: () => <Suppressions />,
  },
  {
    path: '/deliverability/bounces',
    scope: 'reports:read',
    title: (l) => t(l).signalsTitle,
    render: () => <Signals />,
  },
  {
    path: '/deliverability/webhooks',
    scope: 'webhooks:read',
    title: (l) => t(l).webhooksTitle,
    render: () => <Webhooks />,
  },
  {
    path: '/deliverability/webhooks/:id',
    scope: 'webhooks:read',
    title: (l) => t(l).deliveriesTitle,
    render: (p) => <WebhookDeliveries id={p.id} />,
  },
  {
    path: '/settings',
    nav: { order: 70, label: (l) => t(l).settings },
    title: (l) => t(l).myAccountTitle,
    render: () => <MyAccount />,
  },
  {
    path: '/settings/api-keys',
    scope: 'admin',
    title: (l) => t(l).apiKeysTitle,
    render: () => <ApiKeys />,
  },
  {
    path: '/settings/users',
    scope: 'admin',
    title: (l) => t(l).usersTitle,
    render: () => <Users />,
  },
  {
    path: '/settings/activity',
    scope: 'admin',
    title: (l) => t(l).activityTitle,
    render: () => <Activity />,
  },
  {
    path: '/accept-invite',
    public: true,
    title: (l) => t(l).acceptInviteTitle,
    render: () => <AcceptInvite />,
  },
  {
    path: '/reset-password',
    public: true,
    title: (l) => t(l).resetTitle,
    render: () => <ResetPassword />,
  },
  {
    path: '/forgot-password',
    public: true,
    title: (l) => t(l).forgotTitle,
    render: () => <ForgotPassword />,
  },
];
