import { lazy } from 'react';
import type { Locale } from '../../i18n';
import type { ConsolePage } from '../types';
import { useTopicTexts } from './texts';
import './topics.css';

const TopicList = lazy(() => import('./TopicList'));
const TopicEdit = lazy(() => import('./TopicEdit'));

const texts = (l: Locale) => useTopicTexts.of(l);

/** Topics: this area's pages (see ../types.ts). '/topics/new' comes before '/topics/:idOrKey'. */
export const topicsPages: ConsolePage[] = [
  {
    path: '/topics',
    scope: 'topics:read',
    nav: { order: 10, label: (l) => texts(l).nav },
    title: (l) => texts(l).listTitle,
    render: () => <TopicList />,
  },
  {
    path: '/topics/new',
    scope: 'topics:write',
    title: (l) => texts(l).newTitle,
    render: () => <TopicEdit />,
  },
  {
    path: '/topics/:idOrKey',
    scope: 'topics:read',
    title: (l) => texts(l).topicTitle,
    render: (p) => <TopicEdit idOrKey={p.idOrKey} />,
  },
];
