import { Injectable, OnModuleInit, Type } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { decoratedProviders } from '../../platform/extension-points';
import type { HelpfulVotesDto } from './campaign.dto';

/** Counts the "was this useful?" answers on a campaign's messages for its stats. */
export interface HelpfulVotesCounter {
  helpfulVotes(campaignId: string): Promise<HelpfulVotesDto>;
}

const COUNTS_HELPFUL_VOTES = Reflector.createDecorator<Record<string, never>>();

/**
 * Marks the provider that gives campaign stats their helpful votes. Feedback lives elsewhere
 * (trust/feedback); at most one provider may count them, and without one the stats say `null`.
 */
export function CountsHelpfulVotes() {
  return (target: Type<HelpfulVotesCounter>): void => {
    COUNTS_HELPFUL_VOTES({})(target);
  };
}

/** The `@CountsHelpfulVotes()` provider, if the application has one. */
@Injectable()
export class HelpfulVotes implements OnModuleInit {
  private counter: HelpfulVotesCounter | null = null;

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const found = decoratedProviders<HelpfulVotesCounter, Record<string, never>>(
      this.discovery,
      COUNTS_HELPFUL_VOTES,
    );
    if (found.length > 1) {
      throw new Error(
        `Only one provider may count helpful votes: ${found.map((f) => f.source).join(', ')}`,
      );
    }
    this.counter = found[0]?.target ?? null;
  }

  /** Null when nothing counts helpful votes in this application. */
  async for(campaignId: string): Promise<HelpfulVotesDto | null> {
    return this.counter ? this.counter.helpfulVotes(campaignId) : null;
  }
}
