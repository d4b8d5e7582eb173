import { lazy } from 'react';
import { TEXTS } from '../../i18n';
import type { ConsolePage } from '../types';

const Home = lazy(() => import('./Home').then((m) => ({ default: m.Home })));

export const homePages: ConsolePage[] = [
  {
    path: '/',
    nav: { order: 0, label: (l) => TEXTS[l].home },
    title: (l) => TEXTS[l].homeTitle,
    render: () => <Home />,
  },
];
