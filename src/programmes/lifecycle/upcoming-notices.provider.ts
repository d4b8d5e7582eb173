import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { defaultLocale, formatLocalDate, Locale, sqlDatePatterns } from '../../platform/locale';
import { defineTexts } from '../../platform/translations';
import { DataSource, EntityManager } from 'typeorm';
import { nextInWindow, sendWindowOf } from '../../messaging/send-window';
import { ListsUpcomingNotices, UpcomingNotice, UpcomingNoticesSource } from '../upcoming-notices';
import { queryRows } from '../../platform/database/sql';

interface Row {
  description: string;
  planned_at: Date;
  deadline_at: Date | null;
  topic_key: string;
  tz: string;
  paused_until: Date | null;
  window_start: string;
  window_end: string;
}

/** What the preference page adds to a notice during a pause (`LOCALE_DIR` section `notices`). */
const pauseTexts = defineTexts<{ during: (date: string) => string; after: string }>('notices', {
  en: {
    during: (date: string) =>
      ` (sent even during your pause: it cannot wait until the pause ends, because it must reach you by ${date})`,
    after: ' (after your pause)',
  },
  nl: {
    during: (date: string) =>
      ` (ook tijdens je pauze: dit kan niet wachten tot je pauze voorbij is, omdat het je uiterlijk ${date} moet bereiken)`,
    after: ' (na je pauze)',
  },
});

/**
 * Tells the preference center which notices a subscriber will get: notices already written to the
 * ledger, and those of date and confirmed rules that are still ahead. Event and attribute notices
 * cannot be foreseen. During a pause it says when a notice will still come, and why.
 */
@Injectable()
@ListsUpcomingNotices()
export class LifecycleUpcomingNotices implements UpcomingNoticesSource {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(
    subscriberId: string,
    locale: Locale,
    now: Date,
    manager?: EntityManager,
  ): Promise<UpcomingNotice[]> {
    const rows = await queryRows<Row>(
      manager ?? this.dataSource,
      `WITH s AS (
         SELECT id, paused_until, confirmed_at, attributes,
                lifecycle_zone(timezone) AS tz
           FROM audience_subscribers WHERE id = $1 AND status = 'active'
       ),
       r AS (
         SELECT r.*, t.key AS topic_key
           FROM lifecycle_rules r
           JOIN audience_topics t ON t.id = r.topic_id
           JOIN audience_subscriptions x ON x.topic_id = r.topic_id AND x.subscriber_id = $1 AND x.status = 'active'
          WHERE r.enabled AND r.deleted_at IS NULL AND r.trigger_type IN ('date', 'confirmed')
       ),
       planned AS (
         SELECT r.id AS rule_id, r.topic_key, r.window_start, r.window_end, s.tz, s.paused_until,
                lifecycle_date_anchor(d.value) AS anchor,
                lifecycle_notice_planned_at(d.value, r.offset_days, r.window_start, s.tz) AS planned_at,
                lifecycle_notice_deadline_at(d.value, r.deadline_days, r.window_end, s.tz) AS deadline_at,
                lifecycle_fill(to_jsonb(COALESCE(COALESCE(r.content->$3, r.content->$4::text)->>'summary', COALESCE(r.content->$3, r.content->$4::text)->>'heading', r.name)),
                               jsonb_build_object('date', lifecycle_format_date(d.value, $3, $5::jsonb),
                                                  'deadline', lifecycle_format_date(d.value + r.deadline_days, $3, $5::jsonb),
                                                  'days', abs(r.offset_days))
                               || lifecycle_attribute_vars(s.attributes)) #>> '{}' AS description
           FROM r CROSS JOIN s
           JOIN audience_subscriber_dates d ON d.subscriber_id = s.id AND d.name = r.date_name
          WHERE r.trigger_type = 'date'
         UNION ALL
         SELECT r.id, r.topic_key, r.window_start, r.window_end, s.tz, s.paused_until, 'confirmed',
                lifecycle_notice_planned_at((s.confirmed_at AT TIME ZONE s.tz)::date, r.offset_days, r.window_start, s.tz),
                lifecycle_notice_deadline_at((s.confirmed_at AT TIME ZONE s.tz)::date, r.deadline_days, r.window_end, s.tz),
                lifecycle_fill(to_jsonb(COALESCE(COALESCE(r.content->$3, r.content->$4::text)->>'summary', COALESCE(r.content->$3, r.content->$4::text)->>'heading', r.name)),
                               jsonb_build_object('date', lifecycle_format_date((s.confirmed_at AT TIME ZONE s.tz)::date, $3, $5::jsonb),
                                                  'days', r.offset_days)
                               || lifecycle_attribute_vars(s.attributes)) #>> '{}'
           FROM r CROSS JOIN s
          WHERE r.trigger_type = 'confirmed' AND s.confirmed_at IS NOT NULL
       )
       SELECT p.description, p.planned_at, p.deadline_at, p.topic_key, p.tz, p.paused_until,
              to_char(p.window_start, 'HH24:MI') AS window_start, to_char(p.window_end, 'HH24:MI') AS window_end
         FROM planned p
        WHERE p.planned_at > $2
          AND NOT EXISTS (SELECT 1 FROM messaging_ledger_messages m
                           WHERE m.dedupe_key = lifecycle_notice_key(p.rule_id, $1, p.anchor))
       UNION ALL
       SELECT COALESCE(m.data->>'summary', m.data->>'heading', r.name), m.send_after, m.deadline_at,
              t.key, s.tz, s.paused_until,
              COALESCE(m.data->'sendWindow'->>'start', '09:00'), COALESCE(m.data->'sendWindow'->>'end', '17:00')
         FROM messaging_ledger_messages m
         JOIN s ON s.id = m.subscriber_id
         JOIN lifecycle_rules r ON r.id = m.rule_id
         JOIN audience_topics t ON t.id = m.topic_id
        WHERE m.subscriber_id = $1 AND m.rule_id IS NOT NULL AND m.status = 'queued'`,
      [subscriberId, now, locale, defaultLocale(), sqlDatePatterns()],
    );
    return rows.map((r) => this.explainPause(r, locale, now));
  }

  /** Mirrors delivery's pause rule for notices (see baseDecision in delivery/send-checks.ts). */
  private explainPause(r: Row, locale: Locale, now: Date): UpcomingNotice {
    const notice: UpcomingNotice = {
      description: r.description,
      plannedAt: new Date(r.planned_at),
      topicKey: r.topic_key,
    };
    const pausedUntil = r.paused_until ? new Date(r.paused_until) : null;
    if (!pausedUntil || pausedUntil <= now || notice.plannedAt >= pausedUntil) return notice;
    const deadline = r.deadline_at ? new Date(r.deadline_at) : null;
    const after = nextInWindow(
      pausedUntil,
      r.tz,
      sendWindowOf({ sendWindow: { start: r.window_start, end: r.window_end } }),
    );
    if (deadline && (deadline <= pausedUntil || after > deadline)) {
      const date = formatLocalDate(deadline, r.tz, locale);
      notice.description += pauseTexts(locale).during(date);
      return notice;
    }
    notice.plannedAt = after;
    notice.description += pauseTexts(locale).after;
    return notice;
  }
}
