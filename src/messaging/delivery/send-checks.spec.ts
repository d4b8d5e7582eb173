import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { ClaimedMessage } from './claimed-message';
import { SuppressionsService } from '../../audience/suppressions/suppressions.service';
import { baseDecision, SendCheck, SendChecks, SendDecision, SendTimeCheck } from './send-checks';

function message(overrides: Partial<ClaimedMessage> = {}): ClaimedMessage {
  return {
    id: 'm1',
    dedupeKey: 'k',
    subscriberId: 's1',
    topicId: 't1',
    channel: 'email',
    template: 'notice',
    kind: 'notice',
    data: {},
    attempts: 1,
    claimedBy: 1,
    deadlineAt: null,
    createdAt: new Date('2027-01-01T00:00:00Z'),
    address: 'ada@example.test',
    email: 'ada@example.test',
    name: 'Ada',
    locale: 'en',
    timezone: 'Europe/Amsterdam',
    subscriberStatus: 'active',
    pausedUntil: null,
    subscriptionStatus: 'active',
    topicKey: 'renewals',
    topicName: 'Renewals',
    ...overrides,
  };
}

describe('baseDecision', () => {
  const now = new Date('2027-03-01T10:00:00Z');
  const pausedUntil = new Date('2027-03-10T12:00:00Z'); // 13:00 in Amsterdam

  it('skips marketing during a pause', () => {
    expect(baseDecision(message({ kind: 'editorial', pausedUntil }), false, now)).toEqual({
      status: 'skipped',
      reason: 'paused',
    });
  });

  it('sends a notice during a pause when its deadline falls inside the pause', () => {
    const deadlineAt = new Date('2027-03-05T16:00:00Z');
    expect(baseDecision(message({ pausedUntil, deadlineAt }), false, now)).toBeNull();
  });

  it('defers a notice whose deadline is after the pause to the first window moment after it', () => {
    const deadlineAt = new Date('2027-03-20T16:00:00Z');
    expect(baseDecision(message({ pausedUntil, deadlineAt }), false, now)).toEqual({
      status: 'deferred',
      reason: 'paused',
      until: pausedUntil,
    });
    // A pause ending at 20:00 local waits for 09:00 the next morning (or the rule's own window).
    const evening = new Date('2027-03-10T19:00:00Z');
    expect(baseDecision(message({ pausedUntil: evening, deadlineAt }), false, now)).toMatchObject({
      until: new Date('2027-03-11T08:00:00Z'),
    });
    const window = { sendWindow: { start: '07:30', end: '08:00' } };
    expect(
      baseDecision(message({ pausedUntil: evening, deadlineAt, data: window }), false, now),
    ).toMatchObject({ until: new Date('2027-03-11T06:30:00Z') });
    // No deadline (an apology): deferred as well.
    expect(baseDecision(message({ pausedUntil }), false, now)).toMatchObject({
      status: 'deferred',
    });
  });

  it('sends now when waiting for the window after the pause would pass the deadline', () => {
    const evening = new Date('2027-03-10T19:00:00Z');
    const deadlineAt = new Date('2027-03-11T07:00:00Z');
    expect(baseDecision(message({ pausedUntil: evening, deadlineAt }), false, now)).toBeNull();
  });

  it('still respects unsubscribes and suppression for notices', () => {
    expect(baseDecision(message({ subscriptionStatus: 'unsubscribed' }), false, now)).toEqual({
      status: 'skipped',
      reason: 'not_subscribed',
    });
    expect(baseDecision(message({ subscriberStatus: 'unsubscribed' }), false, now)).toEqual({
      status: 'skipped',
      reason: 'subscriber_unsubscribed',
    });
    expect(baseDecision(message(), true, now)).toEqual({
      status: 'suppressed',
      reason: 'suppressed',
    });
  });
});

@Injectable()
@SendCheck({ order: 20 })
class MixCheck implements SendTimeCheck {
  readonly name = 'content-mix';
  async check(): Promise<Map<string, SendDecision>> {
    return new Map();
  }
}

@Injectable()
@SendCheck({ order: 10 })
class FrequencyCheck implements SendTimeCheck {
  readonly name = 'frequency';
  async check(): Promise<Map<string, SendDecision>> {
    return new Map();
  }
}

@Injectable()
@SendCheck()
class OtherFrequencyCheck implements SendTimeCheck {
  readonly name = 'frequency';
  async check(): Promise<Map<string, SendDecision>> {
    return new Map();
  }
}

async function sendChecks(...providers: Array<new (...args: never[]) => object>) {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    // Discovery only: the suppression list is not asked.
    providers: [SendChecks, { provide: SuppressionsService, useValue: {} }, ...providers],
  }).compile();
  await moduleRef.init();
  return moduleRef.get(SendChecks).all();
}

describe(SendChecks.name, () => {
  it('finds every @SendCheck provider, in order', async () => {
    const checks = await sendChecks(MixCheck, FrequencyCheck);
    expect(checks.map((c) => c.name)).toEqual(['frequency', 'content-mix']);
    expect(checks[0]).toBeInstanceOf(FrequencyCheck);
  });

  it('decides base checks first (suppression from one lookup), then each check on what is left', async () => {
    const seen: string[][] = [];
    @Injectable()
    @SendCheck({ order: 10 })
    class SkipsM3 implements SendTimeCheck {
      readonly name = 'skips-m3';
      async check(messages: ClaimedMessage[]): Promise<Map<string, SendDecision>> {
        seen.push(messages.map((m) => m.id));
        return new Map([['m3', { status: 'skipped', reason: 'test' }]]);
      }
    }
    @Injectable()
    @SendCheck({ order: 20 })
    class Records implements SendTimeCheck {
      readonly name = 'records';
      async check(messages: ClaimedMessage[]): Promise<Map<string, SendDecision>> {
        seen.push(messages.map((m) => m.id));
        return new Map();
      }
    }
    const lookups: string[][] = [];
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [
        SendChecks,
        {
          provide: SuppressionsService,
          useValue: {
            suppressedAmong: async (emails: string[]) => {
              lookups.push(emails);
              return new Set(['bounced@example.test']);
            },
          },
        },
        Records,
        SkipsM3,
      ],
    }).compile();
    await moduleRef.init();
    const decisions = await moduleRef
      .get(SendChecks)
      .decide(
        [
          message({ id: 'm1', email: 'bounced@example.test' }),
          message({ id: 'm2', subscriptionStatus: 'unsubscribed' }),
          message({ id: 'm3' }),
          message({ id: 'm4' }),
        ],
        new Date('2027-03-01T10:00:00Z'),
      );
    expect(Object.fromEntries(decisions)).toEqual({
      m1: { status: 'suppressed', reason: 'suppressed' },
      m2: { status: 'skipped', reason: 'not_subscribed' },
      m3: { status: 'skipped', reason: 'test' },
    });
    expect(lookups).toEqual([
      ['bounced@example.test', 'ada@example.test', 'ada@example.test', 'ada@example.test'],
    ]);
    expect(seen).toEqual([['m3', 'm4'], ['m4']]);
  });

  it('refuses to start with two checks of one name', async () => {
    await expect(sendChecks(FrequencyCheck, OtherFrequencyCheck)).rejects.toThrow(
      'Two send checks are named "frequency"',
    );
  });
});
