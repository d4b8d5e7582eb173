import { Injectable } from '@nestjs/common';
import type { RenderedEmail } from '../../messaging/rendering/compiled-template';
import { RenderingService, TemplateError } from '../../messaging/rendering/rendering.service';
import { HTML_CLIP_BYTES } from '../../messaging/rendering/template-validator';
import { RuleViolationError } from '../../platform/errors/domain-errors';
import type { Locale } from '../../platform/locale';
import type { ContentVariant } from './content-item.entity';

/** Warn from here: a little more content and the footer disappears behind Gmail's clip. */
export const CONTENT_WARN_BYTES = 90 * 1024;

/** The campaign template shows one item whole; digests show summaries, so it is the largest. */
const MEASURED_WITH = 'campaign';

type Measured = Pick<ContentVariant, 'title' | 'summary' | 'bodyHtml' | 'bodyText' | 'link'>;

/**
 * Refuses a content item whose email would be clipped: Gmail clips an HTML part beyond 102 KB,
 * hiding the unsubscribe link and the postal address. It measures the HTML part of the campaign
 * email the item makes (with the template's sample for everything else), in each locale it has.
 */
@Injectable()
export class ContentSizeCheck {
  constructor(private readonly rendering: RenderingService) {}

  /** Throws beyond the clip size; returns warnings near it. */
  check(versions: Array<{ locale: Locale; field: string; item: Measured }>): string[] {
    const warnings: string[] = [];
    for (const { locale, field, item } of versions) {
      const bytes = this.measure(locale, item);
      const kb = (bytes / 1024).toFixed(1);
      if (bytes > HTML_CLIP_BYTES) {
        throw new RuleViolationError(
          `${field}: the email this content makes has a ${kb} KB HTML part (${locale}); the limit is 102 KB (${HTML_CLIP_BYTES} bytes), beyond which Gmail clips the message and hides the unsubscribe link and postal address. Shorten it or link to the rest.`,
          field,
          'content_too_large',
        );
      }
      if (bytes > CONTENT_WARN_BYTES) {
        warnings.push(
          `${field}: the email this content makes has a ${kb} KB HTML part (${locale}), near the 102 KB limit where Gmail clips it`,
        );
      }
    }
    return warnings;
  }

  /**
   * The campaign email this content makes in `locale`, with the data CampaignContentPreparer gives
   * it at send time (the topic's name, the item) over the template's sample (subscriber, links).
   */
  campaignEmail(
    locale: Locale,
    item: Measured,
    extra: { topicName?: string; publishedAt?: Date } = {},
  ): RenderedEmail {
    return this.rendering.preview(MEASURED_WITH, locale, {
      ...(extra.topicName !== undefined ? { topic: { name: extra.topicName } } : {}),
      item: {
        title: item.title,
        summary: item.summary,
        bodyHtml: item.bodyHtml,
        bodyText: item.bodyText,
        url: item.link ?? '',
        publishedAt: extra.publishedAt?.toISOString() ?? '',
      },
    });
  }

  private measure(locale: Locale, item: Measured): number {
    try {
      return Buffer.byteLength(this.campaignEmail(locale, item).html);
    } catch (e) {
      // A campaign template that cannot show this item fails at send time, not here; the body
      // alone is still measured.
      if (!(e instanceof TemplateError)) throw e;
      return Buffer.byteLength(item.bodyHtml);
    }
  }
}
