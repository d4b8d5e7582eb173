import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  ListsUpcomingNotices,
  UpcomingNotice,
  UpcomingNotices,
  UpcomingNoticesModule,
  UpcomingNoticesSource,
} from './upcoming-notices';

const notice = (description: string, plannedAt: string): UpcomingNotice => ({
  description,
  plannedAt: new Date(plannedAt),
  topicKey: null,
});

@Injectable()
@ListsUpcomingNotices()
class Renewals implements UpcomingNoticesSource {
  async list(subscriberId: string, locale: 'nl' | 'en'): Promise<UpcomingNotice[]> {
    return [notice(`renewal ${subscriberId} ${locale}`, '2027-06-15T07:00:00Z')];
  }
}

@Injectable()
@ListsUpcomingNotices()
class Warranties implements UpcomingNoticesSource {
  async list(): Promise<UpcomingNotice[]> {
    return [notice('warranty', '2027-05-01T07:00:00Z')];
  }
}

describe(UpcomingNotices.name, () => {
  it('lists the notices of every @ListsUpcomingNotices provider, soonest first', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [UpcomingNoticesModule],
      providers: [Renewals, Warranties],
    }).compile();
    await moduleRef.init();
    const list = await moduleRef.get(UpcomingNotices).for('s1', 'nl', new Date());
    expect(list.map((n) => n.description)).toEqual(['warranty', 'renewal s1 nl']);
  });
});
