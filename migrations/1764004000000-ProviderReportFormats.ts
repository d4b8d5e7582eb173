import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bounce and complaint reports from sending services (SES, Postmark, SendGrid, Mailgun) are stored
 * in `webhook_reports` like the others, with their provider as the format.
 */
export class ProviderReportFormats1764004000000 implements MigrationInterface {
  name = 'ProviderReportFormats1764004000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE webhook_reports DROP CONSTRAINT webhook_reports_format_check,
         ADD CONSTRAINT webhook_reports_format_check
           CHECK (format IN ('dsn', 'arf', 'email', 'json', 'ses', 'postmark', 'sendgrid', 'mailgun'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DELETE FROM webhook_reports WHERE format IN ('ses', 'postmark', 'sendgrid', 'mailgun')`,
    );
    await q.query(
      `ALTER TABLE webhook_reports DROP CONSTRAINT webhook_reports_format_check,
         ADD CONSTRAINT webhook_reports_format_check CHECK (format IN ('dsn', 'arf', 'email', 'json'))`,
    );
  }
}
