import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { BodyFormat } from './content-body';
import type { Locale } from '../../platform/locale';

export const CONTENT_KINDS = ['editorial', 'promotional'] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];

export const CONTENT_STATUSES = ['scheduled', 'published', 'expired', 'withdrawn'] as const;
export type ContentStatus = (typeof CONTENT_STATUSES)[number];

/** The wording of an item in one locale (the item's own locale lives in the columns). */
export interface ContentVariant {
  title: string;
  summary: string;
  bodySource: string;
  bodyHtml: string;
  bodyText: string;
  link: string | null;
}

/**
 * A piece of content published into a topic. It reaches subscribers in their digests (unless
 * `inDigests` is off) and through campaigns. Once its first copy is being sent it is frozen
 * (`firstSentAt`): everyone gets the same item; it can still be withdrawn.
 */
@Entity('content_items')
export class ContentItem {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  topicId!: string;

  @Column('text')
  kind!: ContentKind;

  @Column('text', { default: 'en' })
  locale!: Locale;

  @Column('text')
  title!: string;

  @Column('text', { default: '' })
  summary!: string;

  @Column('text', { default: 'html' })
  bodyFormat!: BodyFormat;

  @Column('text', { default: '' })
  bodySource!: string;

  @Column('text', { default: '' })
  bodyHtml!: string;

  @Column('text', { default: '' })
  bodyText!: string;

  @Column('text', { nullable: true })
  link!: string | null;

  @Column('jsonb', { default: {} })
  variants!: Partial<Record<Locale, ContentVariant>>;

  @Column('boolean', { default: true })
  inDigests!: boolean;

  @Column('timestamptz')
  publishedAt!: Date;

  @Column('timestamptz', { nullable: true })
  expiresAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  withdrawnAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  firstSentAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}

export function contentStatus(item: ContentItem, now: Date): ContentStatus {
  if (item.withdrawnAt) return 'withdrawn';
  if (item.publishedAt.getTime() > now.getTime()) return 'scheduled';
  if (item.expiresAt && item.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'published';
}
