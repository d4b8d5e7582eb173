import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { lacksDataConsentSql } from '../../audience/purposes/data-consent-sql';
import type { ClaimedMessage } from '../../messaging/delivery/claimed-message';
import {
  SendCheck,
  type SendDecision,
  type SendTimeCheck,
} from '../../messaging/delivery/send-checks';

/**
 * A notice of a rule that relies on a consent-based data-use purpose goes only to a subscriber
 * who still grants it when it is sent: a withdrawal after the notice was queued skips it as
 * `no_data_consent` (docs/data-purposes.md). One query per batch that holds notices.
 */
@Injectable()
@SendCheck({ order: 5 })
export class DataConsentCheck implements SendTimeCheck {
  readonly name = 'data-consent';

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async check(messages: ClaimedMessage[]): Promise<Map<string, SendDecision>> {
    const decisions = new Map<string, SendDecision>();
    const notices = messages.filter((m) => m.kind === 'notice').map((m) => m.id);
    if (!notices.length) return decisions;
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT m.id FROM messaging_ledger_messages m
         JOIN lifecycle_rules r ON r.id = m.rule_id
        WHERE m.id = ANY($1::uuid[]) AND cardinality(r.purposes) > 0
          AND ${lacksDataConsentSql('m.subscriber_id', 'r.purposes')}`,
      [notices],
    );
    for (const r of rows) decisions.set(r.id, { status: 'skipped', reason: 'no_data_consent' });
    return decisions;
  }
}
