/**
 * Trust: measuring whether Tidings kept its promises. Owns the helpful-vote feedback (feedback),
 * the trust question and expectations (questions) and the reports, the trust audit and the
 * programme summaries (reports).
 *
 * May use: platform, audience, messaging, programmes, reading their data through the read models
 * (SQL views) and services they export.
 */
import { Module } from '@nestjs/common';
import { FeedbackModule } from './feedback/feedback.module';
import { QuestionsModule } from './questions/questions.module';
import { ReportsModule } from './reports/reports.module';

@Module({
  imports: [FeedbackModule, QuestionsModule, ReportsModule],
})
export class TrustModule {}
