import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { HelpfulVotesDto } from './campaign.dto';
import { CountsHelpfulVotes, HelpfulVotes, HelpfulVotesCounter } from './helpful-votes';

@Injectable()
@CountsHelpfulVotes()
class FeedbackVotes implements HelpfulVotesCounter {
  async helpfulVotes(campaignId: string): Promise<HelpfulVotesDto> {
    return { helpful: campaignId.length, notHelpful: 1 };
  }
}

@Injectable()
@CountsHelpfulVotes()
class OtherVotes extends FeedbackVotes {}

async function helpfulVotes(...providers: Array<new () => object>): Promise<HelpfulVotes> {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [HelpfulVotes, ...providers],
  }).compile();
  await moduleRef.init();
  return moduleRef.get(HelpfulVotes);
}

describe(HelpfulVotes.name, () => {
  it('asks the @CountsHelpfulVotes provider', async () => {
    expect(await (await helpfulVotes(FeedbackVotes)).for('abc')).toEqual({
      helpful: 3,
      notHelpful: 1,
    });
  });

  it('answers null when nothing counts helpful votes', async () => {
    expect(await (await helpfulVotes()).for('abc')).toBeNull();
  });

  it('refuses to start with two providers', async () => {
    await expect(helpfulVotes(FeedbackVotes, OtherVotes)).rejects.toThrow(
      'Only one provider may count helpful votes: FeedbackVotes, OtherVotes',
    );
  });
});
