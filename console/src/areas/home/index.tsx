import { TEXTS } from '../../i18n';
import type { ConsolePage } from '../types';
import { Home } from './Home';

export const homePages: ConsolePage[] = [
  {
    path: '/',
    nav: { order: 0, label: (l) => TEXTS[l].home },
    title: (l) => TEXTS[l].homeTitle,
    render: () => <Home />,
  },
];
