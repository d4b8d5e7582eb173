import { Injectable } from '@nestjs/common';
import { ContentDelivery } from '../content/content-delivery.service';
import type { ClaimedMessage } from '../../messaging/delivery/claimed-message';
import { MessagePreparer, PreparesMessages } from '../../messaging/delivery/message-composer';
import type { SendDecision } from '../../messaging/delivery/send-checks';
import { frequencyLabel } from '../../audience/topics/frequency';
import { isDigestRef } from './digest-scheduler.service';

/**
 * Turns a digest row's item ids into the digest template's data at send time, in the subscriber's
 * locale, newest first. Items withdrawn or expired since the digest was decided are left out; a
 * digest left with nothing is skipped (`no_content`).
 */
@Injectable()
@PreparesMessages({ order: 10 })
export class DigestContentPreparer implements MessagePreparer {
  constructor(private readonly content: ContentDelivery) {}

  async prepare(messages: ClaimedMessage[], now: Date): Promise<Map<string, SendDecision>> {
    const decisions = new Map<string, SendDecision>();
    const digests = messages.filter((m) => m.template === 'digest' && isDigestRef(m.data));
    if (!digests.length) return decisions;
    const items = await this.content.load(
      digests.flatMap((m) => (isDigestRef(m.data) ? m.data.digest.itemIds : [])),
      now,
    );
    for (const m of digests) {
      if (!isDigestRef(m.data)) continue;
      const ref = m.data.digest;
      const live = ref.itemIds
        .map((id) => items.get(id))
        .filter(
          (i): i is NonNullable<typeof i> =>
            !!i && !i.withdrawn && (!i.expiresAt || i.expiresAt.getTime() > now.getTime()),
        )
        .sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime());
      if (!live.length) {
        decisions.set(m.id, { status: 'skipped', reason: 'no_content' });
        continue;
      }
      m.data = {
        topic: { name: m.topicName ?? '' },
        frequencyLabel: frequencyLabel(ref.frequency, m.locale),
        timezone: m.timezone,
        items: live.map((i) => {
          const w = i.wording(m.locale);
          return {
            title: w.title,
            summary: w.summary,
            url: w.url,
            publishedAt: i.publishedAt.toISOString(),
          };
        }),
      };
    }
    return decisions;
  }
}
