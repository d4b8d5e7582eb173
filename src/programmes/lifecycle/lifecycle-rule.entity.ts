import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Condition } from './condition';
import { defaultLocale } from '../../platform/locale';

export const TRIGGER_TYPES = ['confirmed', 'date', 'event', 'attribute'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/**
 * Template data per configured locale, with `{placeholders}` filled in when a notice is written.
 * The default locale's is required; another locale without its own uses it.
 */
export type LocalisedContent = Record<string, Record<string, unknown>>;

/** The locale whose content a subscriber of `locale` gets: their own, else the default's. */
export function contentLocale(content: Partial<LocalisedContent> | null, locale: string): string {
  return content?.[locale] ? locale : defaultLocale();
}

/**
 * A lifecycle rule: when a notice is due (trigger and offset from its anchor), the latest day it
 * may arrive (deadline), the local send window, and what it says (template and content).
 */
@Entity('lifecycle_rules')
export class LifecycleRule {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  key!: string;

  @Column('text')
  name!: string;

  @Column('text', { default: '' })
  description!: string;

  @Column('uuid')
  topicId!: string;

  @Column('text')
  template!: string;

  @Column('text', { nullable: true })
  apologyTemplate!: string | null;

  @Column('text')
  triggerType!: TriggerType;

  /** `date` trigger: the dated attribute (`renewal_date`). */
  @Column('text', { nullable: true })
  dateName!: string | null;

  /** `event` trigger: the event type (`usage.threshold`). */
  @Column('text', { nullable: true })
  eventType!: string | null;

  /** `event`: on the event data; `attribute`: on the subscriber's attributes. */
  @Column('jsonb', { nullable: true })
  condition!: Condition | null;

  @Column('int', { default: 0 })
  offsetDays!: number;

  @Column('int', { nullable: true })
  deadlineDays!: number | null;

  @Column('int', { default: 0 })
  cooldownDays!: number;

  /** 'HH:MM:SS' as PostgreSQL returns a time. */
  @Column('time', { default: '09:00' })
  windowStart!: string;

  @Column('time', { default: '17:00' })
  windowEnd!: string;

  @Column('jsonb')
  content!: LocalisedContent;

  @Column('jsonb', { nullable: true })
  apologyContent!: Partial<LocalisedContent> | null;

  /**
   * Keys of the data-use purposes the rule relies on (docs/data-purposes.md). Null: saved before
   * purposes existed, or without declaring any; allowed while no purpose covers its data.
   */
  @Column('text', { array: true, nullable: true })
  purposes!: string[] | null;

  @Column('boolean', { default: true })
  enabled!: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column('timestamptz', { nullable: true })
  deletedAt!: Date | null;
}

/** 'HH:MM' of a PostgreSQL time value. */
export function hhmm(time: string): string {
  return time.slice(0, 5);
}
