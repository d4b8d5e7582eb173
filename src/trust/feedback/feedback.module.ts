import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetricsModule } from '../../platform/metrics/metrics.module';
import { TokensModule } from '../../platform/tokens/tokens.module';
import { RenderingModule } from '../../messaging/rendering/rendering.module';
import { FeedbackVote } from './feedback-vote.entity';
import { FeedbackController } from './feedback.controller';
import { CampaignVotesProvider } from './campaign-votes.provider';
import { FeedbackService } from './feedback.service';

/** "Was this useful?" links in editorial and notice emails, and the page that records the answer. */
@Module({
  imports: [TypeOrmModule.forFeature([FeedbackVote]), MetricsModule, TokensModule, RenderingModule],
  providers: [FeedbackService, CampaignVotesProvider],
  controllers: [FeedbackController],
})
export class FeedbackModule {}
