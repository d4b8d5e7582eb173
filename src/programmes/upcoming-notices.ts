import { Global, Injectable, Module } from '@nestjs/common';

/** A notice a subscriber will get, as the preference center lists it. */
export interface UpcomingNotice {
  /** Human text in the subscriber's locale, e.g. "A reminder 30 days before your renewal on 15 January 2027". */
  description: string;
  /** When it is planned to go out (UTC). */
  plannedAt: Date;
  topicKey: string | null;
}

export type UpcomingNoticesProvider = (
  subscriberId: string,
  locale: 'nl' | 'en',
  now: Date,
) => Promise<UpcomingNotice[]>;

/**
 * Lets the module that schedules notices (lifecycle) tell the module that shows them
 * (preference center) without either importing the other.
 */
@Injectable()
export class UpcomingNoticesRegistry {
  private readonly providers: UpcomingNoticesProvider[] = [];

  register(provider: UpcomingNoticesProvider): void {
    this.providers.push(provider);
  }

  async for(subscriberId: string, locale: 'nl' | 'en', now: Date): Promise<UpcomingNotice[]> {
    const lists = await Promise.all(this.providers.map((p) => p(subscriberId, locale, now)));
    return lists.flat().sort((a, b) => a.plannedAt.getTime() - b.plannedAt.getTime());
  }
}

@Global()
@Module({ providers: [UpcomingNoticesRegistry], exports: [UpcomingNoticesRegistry] })
export class UpcomingNoticesModule {}
