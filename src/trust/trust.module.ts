/**
 * Trust: measuring whether Tidings kept its promises. Owns the helpful-vote feedback (feedback)
 * and the reports, the trust audit and the programme summaries (reports).
 *
 * May use: platform, audience, messaging, programmes, reading their data through the read models
 * (SQL views) and services they export.
 */
import { Module } from '@nestjs/common';
import { FeedbackModule } from './feedback/feedback.module';
import { ReportsModule } from './reports/reports.module';

@Module({
  imports: [FeedbackModule, ReportsModule],
})
export class TrustModule {}
