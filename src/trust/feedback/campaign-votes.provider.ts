import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { HelpfulVotesDto } from '../../programmes/campaigns/campaign.dto';
import { CountsHelpfulVotes, HelpfulVotesCounter } from '../../programmes/campaigns/helpful-votes';
import { queryRows } from '../../platform/database/sql';

/**
 * Gives campaign stats their "was this useful?" figures: votes on the campaign's own messages.
 * A campaign folded into a digest shares that digest's vote with the digest's other items, so it
 * is not attributed to the campaign.
 */
@Injectable()
@CountsHelpfulVotes()
export class CampaignVotesProvider implements HelpfulVotesCounter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async helpfulVotes(campaignId: string): Promise<HelpfulVotesDto> {
    const [row] = await queryRows<{ helpful: number; not_helpful: number }>(
      this.dataSource,
      `SELECT count(*) FILTER (WHERE v.helpful)::int AS helpful,
              count(*) FILTER (WHERE NOT v.helpful)::int AS not_helpful
         FROM messaging_ledger_messages m JOIN feedback_votes v ON v.message_id = m.id
        WHERE m.campaign_id = $1`,
      [campaignId],
    );
    return { helpful: row.helpful, notHelpful: row.not_helpful };
  }
}
