import { Module } from '@nestjs/common';
import { MetricsModule } from '../../platform/metrics/metrics.module';
import { TokensModule } from '../../platform/tokens/tokens.module';
import { RenderingModule } from '../../messaging/rendering/rendering.module';
import { ExpectationsService } from './expectations.service';
import { TrustQuestionController } from './trust-question.controller';
import { TrustQuestionPreparer } from './trust-question.preparer';
import { TrustQuestionsService } from './trust-questions.service';
import { TrustReportController } from './trust-report.controller';
import { TrustReportService } from './trust-report.service';

/**
 * "Do we act in your interest?": the question added to at most one email per subscriber per
 * period (a `@PreparesMessages` provider of delivery), the page that records the answer, and
 * the "what would you like to hear about?" expectations; their reports (docs/trust-question.md).
 */
@Module({
  imports: [MetricsModule, TokensModule, RenderingModule],
  providers: [
    TrustQuestionPreparer,
    TrustQuestionsService,
    ExpectationsService,
    TrustReportService,
  ],
  controllers: [TrustQuestionController, TrustReportController],
  exports: [ExpectationsService, TrustQuestionsService],
})
export class QuestionsModule {}
