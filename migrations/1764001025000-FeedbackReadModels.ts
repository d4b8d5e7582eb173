import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read model of src/trust/feedback (owner of feedback_votes): the answer per message, without
 * comments. Only the feedback module writes the table; anyone may read the view. A plain
 * projection: PostgreSQL inlines it.
 *
 * - `trust_feedback_votes`: "was this useful?" figures in reports and metrics.
 */
export class FeedbackReadModels1764001025000 implements MigrationInterface {
  name = 'FeedbackReadModels1764001025000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW trust_feedback_votes AS SELECT message_id, helpful FROM feedback_votes`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW trust_feedback_votes`);
  }
}
