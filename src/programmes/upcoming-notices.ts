import { Injectable, Module, OnModuleInit, Type } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, Reflector } from '@nestjs/core';
import type { EntityManager } from 'typeorm';
import { decoratedProviders } from '../platform/extension-points';
import type { Locale } from '../platform/locale';

/** A notice a subscriber will get, as the preference center lists it. */
export interface UpcomingNotice {
  /** Human text in the subscriber's locale, e.g. "A reminder 30 days before your renewal on 15 January 2027". */
  description: string;
  /** When it is planned to go out (UTC). */
  plannedAt: Date;
  topicKey: string | null;
}

/**
 * A module that schedules notices lists the ones a subscriber will get. With `manager` it reads
 * in that transaction (a confirmation lists them before it commits, for the welcome).
 */
export interface UpcomingNoticesSource {
  list(
    subscriberId: string,
    locale: Locale,
    now: Date,
    manager?: EntityManager,
  ): Promise<UpcomingNotice[]>;
}

const LISTS_UPCOMING_NOTICES = Reflector.createDecorator<Record<string, never>>();

/**
 * Marks a provider that lists a subscriber's upcoming notices (lifecycle) for the module that
 * shows them (preference center), without either importing the other.
 */
export function ListsUpcomingNotices() {
  return (target: Type<UpcomingNoticesSource>): void => {
    LISTS_UPCOMING_NOTICES({})(target);
  };
}

/** Every `@ListsUpcomingNotices()` provider's notices for a subscriber, soonest first (the preference center, the welcome). */
@Injectable()
export class UpcomingNotices implements OnModuleInit {
  private sources: readonly UpcomingNoticesSource[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    this.sources = decoratedProviders<UpcomingNoticesSource, Record<string, never>>(
      this.discovery,
      LISTS_UPCOMING_NOTICES,
    ).map((s) => s.target);
  }

  async for(
    subscriberId: string,
    locale: Locale,
    now: Date,
    manager?: EntityManager,
  ): Promise<UpcomingNotice[]> {
    // One source after the other: a transaction's connection runs one query at a time.
    const lists: UpcomingNotice[][] = [];
    for (const source of this.sources)
      lists.push(await source.list(subscriberId, locale, now, manager));
    return lists.flat().sort((a, b) => a.plannedAt.getTime() - b.plannedAt.getTime());
  }
}

@Module({
  imports: [DiscoveryModule],
  providers: [UpcomingNotices],
  exports: [UpcomingNotices],
})
export class UpcomingNoticesModule {}
