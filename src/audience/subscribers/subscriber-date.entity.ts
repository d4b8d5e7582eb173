import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A named date per subscriber (`renewal_date`, `warranty_expires_on`). Kept in its own table with
 * an index on (name, value, subscriber_id) so "due in N days" is an index range scan.
 */
@Entity('subscriber_dates')
export class SubscriberDate {
  @PrimaryColumn('uuid')
  subscriberId!: string;

  @PrimaryColumn('text')
  name!: string;

  /** A calendar date (no time, no zone), as YYYY-MM-DD. */
  @Column('date')
  value!: string;
}
