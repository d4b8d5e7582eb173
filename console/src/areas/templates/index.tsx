import { lazy } from 'react';
import type { ConsolePage } from '../types';
import { templateTexts } from './texts';
import './templates.css';

const TemplateList = lazy(() => import('./TemplateList'));
const TemplateEditor = lazy(() => import('./TemplateEditor'));

/** Templates: the list, and one editor per template (see ../types.ts). */
export const templatePages: ConsolePage[] = [
  {
    path: '/templates',
    scope: 'templates:read',
    nav: { order: 40, label: (l) => templateTexts(l).nav },
    title: (l) => templateTexts(l).listTitle,
    render: () => <TemplateList />,
  },
  {
    path: '/templates/:key',
    scope: 'templates:read',
    title: (l) => templateTexts(l).listTitle,
    render: (p) => <TemplateEditor key={p.key} templateKey={p.key} />,
  },
];
