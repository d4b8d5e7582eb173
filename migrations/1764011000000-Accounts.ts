import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Console accounts (src/surfaces/accounts): people who sign in, their sessions, the one-time
 * links that create an owner, accept an invite or reset a password, and the activity log.
 * Secrets are stored hashed: passwords with argon2id, session and link tokens as SHA-256.
 */
export class Accounts1764011000000 implements MigrationInterface {
  name = 'Accounts1764011000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        name text NOT NULL DEFAULT '',
        role text NOT NULL
          CONSTRAINT users_role CHECK (role IN ('owner', 'admin', 'marketer', 'analyst', 'support')),
        password_hash text,
        locale text NOT NULL CONSTRAINT users_locale CHECK (locale IN ('nl', 'en')),
        invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_sign_in_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email ON users (email)`);
    await q.query(`
      CREATE TABLE user_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX user_sessions_user ON user_sessions (user_id)`);
    await q.query(`
      CREATE TABLE account_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        purpose text NOT NULL
          CONSTRAINT account_tokens_purpose CHECK (purpose IN ('owner_setup', 'invite', 'password_reset')),
        token_hash text NOT NULL UNIQUE,
        user_id uuid REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        CONSTRAINT account_tokens_user CHECK ((purpose = 'owner_setup') = (user_id IS NULL))
      )`);
    await q.query(`CREATE INDEX account_tokens_user ON account_tokens (user_id)`);
    await q.query(`
      CREATE TABLE activity_log (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor_type text NOT NULL
          CONSTRAINT activity_log_actor_type CHECK (actor_type IN ('user', 'api_key', 'system')),
        actor_id uuid,
        actor_name text NOT NULL,
        action text NOT NULL,
        target_type text,
        target_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(`CREATE INDEX activity_log_time ON activity_log (occurred_at)`);
    await q.query(`CREATE INDEX activity_log_actor ON activity_log (actor_id, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE activity_log`);
    await q.query(`DROP TABLE account_tokens`);
    await q.query(`DROP TABLE user_sessions`);
    await q.query(`DROP TABLE users`);
  }
}
