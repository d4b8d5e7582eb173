import { lazy } from 'react';
import type { Locale } from '../../i18n';
import type { ConsolePage } from '../types';
import './rules.css';
import { RULE_TITLES } from './titles';

const RuleList = lazy(() => import('./RuleList'));
const RuleNew = lazy(() => import('./RuleNew'));
const RuleDetail = lazy(() => import('./RuleDetail'));

const texts = (l: Locale) => RULE_TITLES[l];

/** Lifecycle rules: the list, a new rule, and one rule with its audit (see ../types.ts). */
export const rulePages: ConsolePage[] = [
  {
    path: '/rules',
    scope: 'lifecycle:read',
    nav: { order: 30, label: (l) => texts(l).nav },
    title: (l) => texts(l).listTitle,
    render: () => <RuleList />,
  },
  {
    path: '/rules/new',
    scope: 'lifecycle:write',
    title: (l) => texts(l).newTitle,
    render: () => <RuleNew />,
  },
  {
    path: '/rules/:idOrKey',
    scope: 'lifecycle:read',
    title: (l) => texts(l).listTitle,
    render: (p) => <RuleDetail idOrKey={p.idOrKey} />,
  },
];
