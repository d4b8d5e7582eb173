import { lazy } from 'react';
import type { Locale } from '../../i18n';
import type { ConsolePage } from '../types';
import { TITLES } from './titles';
import './campaigns.css';

const CampaignList = lazy(() => import('./CampaignList'));
const ContentEditor = lazy(() => import('./ContentEditor'));
const ContentPage = lazy(() => import('./ContentPage'));
const CampaignPage = lazy(() => import('./CampaignPage'));

const texts = (l: Locale) => TITLES[l];

/** Content and campaigns: this area's pages (see ../types.ts); specific paths before /:id. */
export const campaignPages: ConsolePage[] = [
  {
    path: '/campaigns',
    scope: 'campaigns:read',
    nav: { order: 20, label: (l) => texts(l).nav },
    title: (l) => texts(l).listTitle,
    render: () => <CampaignList />,
  },
  {
    path: '/campaigns/new',
    scope: 'content:write',
    title: (l) => texts(l).newTitle,
    render: () => <ContentEditor />,
  },
  {
    path: '/campaigns/content/:id',
    scope: 'content:read',
    title: (l) => texts(l).contentTitle,
    render: (p) => <ContentPage id={p.id} />,
  },
  {
    path: '/campaigns/:id',
    scope: 'campaigns:read',
    title: (l) => texts(l).campaignTitle,
    render: (p) => <CampaignPage id={p.id} />,
  },
];
