import type { components } from '../../../../clients/typescript/tidings-api';

export type TopicDto = components['schemas']['TopicDto'];
export type TemplateSummary = components['schemas']['TemplateSummaryDto'];
export type Locales = components['schemas']['LocalesDto'];

/** A topic's name in the user's language, else its default name. */
export function topicName(topic: Pick<TopicDto, 'name' | 'names'>, locale: string): string {
  return topic.names[locale] || topic.name;
}
