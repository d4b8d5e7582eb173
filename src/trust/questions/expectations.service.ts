import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
import { queryRows } from '../../platform/database/sql';
import { InvalidInputError } from '../../platform/errors/domain-errors';
import type { Locale } from '../../platform/locale';

export const MAX_EXPECTATION_LENGTH = 500;

/**
 * The text two answers are counted as "similar" by: Unicode NFKD without accents, lower case,
 * every run of characters that are not letters or digits as one space, trimmed. "Renewal
 * reminders!" and "renewal  Reminders" are one group; "reminders of renewals" is another.
 */
export function normaliseExpectation(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * "What would you like to hear about?" from the preference center: each answer kept with its time
 * and the page's language (several answers per subscriber, newest last), deleted on erasure.
 */
@Injectable()
export class ExpectationsService {
  private readonly logger = new Logger('Expectations');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Records one answer; an empty one (after trimming, or nothing but punctuation) records nothing. */
  async record(subscriberId: string, text: unknown, locale: Locale): Promise<boolean> {
    if (typeof text !== 'string')
      throw new InvalidInputError('expectation must be text', 'expectation');
    const trimmed = text.trim();
    if (trimmed.length > MAX_EXPECTATION_LENGTH) {
      throw new InvalidInputError(
        `expectation must be at most ${MAX_EXPECTATION_LENGTH} characters`,
        'expectation',
      );
    }
    const normalised = normaliseExpectation(trimmed);
    if (!normalised) return false;
    await this.dataSource.query(
      `INSERT INTO trust_expectations (subscriber_id, text, normalised, locale, created_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [subscriberId, trimmed, normalised, locale, this.clock.now()],
    );
    this.logger.log({ subscriberId, locale }, 'Expectation recorded');
    return true;
  }

  /** The subscriber's answers, oldest first, for the data export. */
  async forSubscriber(
    subscriberId: string,
  ): Promise<Array<{ text: string; locale: string; createdAt: Date }>> {
    const rows = await queryRows<{ text: string; locale: string; created_at: Date }>(
      this.dataSource,
      `SELECT text, locale, created_at FROM trust_expectations
        WHERE subscriber_id = $1 ORDER BY created_at, id`,
      [subscriberId],
    );
    return rows.map((r) => ({ text: r.text, locale: r.locale, createdAt: r.created_at }));
  }
}
