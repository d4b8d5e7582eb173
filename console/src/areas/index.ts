import { campaignPages } from './campaigns';
import { homePages } from './home';
import { rulePages } from './rules';
import { settingsPages } from './settings';
import { subscriberPages } from './subscribers';
import { templatePages } from './templates';
import { topicsPages } from './topics';
import type { ConsolePage } from './types';

/** Every page of the console, by area; the navigation shows them in their `nav.order`. */
export const PAGES: ConsolePage[] = [
  ...homePages,
  ...topicsPages,
  ...campaignPages,
  ...rulePages,
  ...templatePages,
  ...subscriberPages,
  ...settingsPages,
];
