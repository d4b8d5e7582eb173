import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const TOPIC_KINDS = ['editorial', 'notice', 'promotional'] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];

/** Ordered from most to least often. */
export const FREQUENCIES = ['weekly', 'biweekly', 'monthly', 'quarterly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

@Entity('topics')
export class Topic {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Stable, URL-safe identifier used in the API and in templates (`product-news`). */
  @Column('text', { unique: true })
  key!: string;

  /** The default locale's name, and what a locale without its own name shows. */
  @Column('text')
  name!: string;

  @Column('text', { default: '' })
  description!: string;

  /** The name per locale (`{"nl": "...", "en": "..."}`); `name` is the default locale's text. */
  @Column('jsonb', { default: {} })
  names!: Record<string, string>;

  /** The description per locale; `description` is the default locale's text. */
  @Column('jsonb', { default: {} })
  descriptions!: Record<string, string>;

  @Column('text')
  kind!: TopicKind;

  @Column('text', { array: true })
  allowedFrequencies!: Frequency[];

  @Column('text')
  defaultFrequency!: Frequency;

  /** Whether people who are not (yet) customers may join. */
  @Column('boolean', { default: true })
  prospectsAllowed!: boolean;

  /** Listed on the public subscribe form. */
  @Column('boolean', { default: true })
  isPublic!: boolean;

  /** Template sent to subscribers who would otherwise hear nothing in their window. */
  @Column('text', { nullable: true })
  evergreenTemplate!: string | null;

  @Column('timestamptz', { nullable: true })
  archivedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
