import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The channel a ledger row is delivered on (docs/architecture.md, "Channels"). Every row so far is
 * an email, and producers that name no channel keep writing email. A constant default is kept in
 * the catalogue, so adding the column rewrites nothing; the CHECK reads the table once. A new
 * channel is allowed by a migration that replaces the CHECK, next to its transport and template
 * kind.
 */
export class MessageChannels1764001010000 implements MigrationInterface {
  name = 'MessageChannels1764001010000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE outbound_messages
         ADD COLUMN channel text NOT NULL DEFAULT 'email'
           CONSTRAINT outbound_messages_channel CHECK (channel IN ('email'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbound_messages DROP COLUMN channel`);
  }
}
