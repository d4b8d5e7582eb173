import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { TokensService } from '../../platform/tokens/tokens.service';
import { RenderingService } from '../rendering/rendering.service';
import type { ClaimedMessage } from './claimed-message';
import {
  ContributesLinks,
  LinkContributor,
  MessageComposer,
  MessagePreparer,
  PreparesMessages,
} from './message-composer';
import type { SendDecision } from './send-checks';

function message(id: string, data: Record<string, unknown> = {}): ClaimedMessage {
  return { id, subscriberId: `s-${id}`, kind: 'editorial', data } as ClaimedMessage;
}

@Injectable()
@ContributesLinks()
class ConfirmLinks implements LinkContributor {
  linksFor(m: ClaimedMessage): Record<string, string> {
    return { confirm: `https://tidings.test/confirm/${m.subscriberId}` };
  }
}

const prepared: string[] = [];

@Injectable()
@PreparesMessages({ order: 20 })
class CampaignContent implements MessagePreparer {
  async prepare(messages: ClaimedMessage[]): Promise<void> {
    prepared.push(`campaigns: ${messages.map((m) => m.id).join(',')}`);
  }
}

@Injectable()
@PreparesMessages({ order: 10 })
class DigestContent implements MessagePreparer {
  async prepare(messages: ClaimedMessage[]): Promise<Map<string, SendDecision>> {
    prepared.push(`digests: ${messages.map((m) => m.id).join(',')}`);
    return new Map([['m1', { status: 'skipped', reason: 'no_content' }]]);
  }
}

async function composer(): Promise<MessageComposer> {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [
      MessageComposer,
      ConfirmLinks,
      CampaignContent,
      DigestContent,
      { provide: RenderingService, useValue: {} },
      { provide: TokensService, useValue: { sign: (purpose: string) => purpose } },
      {
        provide: ConfigService,
        useValue: { get: (key: string) => (key === 'app' ? { publicUrl: 'https://t.test' } : {}) },
      },
    ],
  }).compile();
  await moduleRef.init();
  return moduleRef.get(MessageComposer);
}

describe(MessageComposer.name, () => {
  it("adds the links of every @ContributesLinks provider; a row's own links win", async () => {
    const c = await composer();
    expect(c.links(message('m1'))).toEqual({
      unsubscribe: 'https://t.test/u/unsubscribe',
      preferences: 'https://t.test/p/manage',
      confirm: 'https://tidings.test/confirm/s-m1',
    });
    expect(c.links(message('m2', { links: { confirm: 'given' } })).confirm).toBe('given');
  });

  it('runs the @PreparesMessages providers in order, each on what is still to be sent', async () => {
    prepared.length = 0;
    const c = await composer();
    const decisions = await c.prepare([message('m1'), message('m2')], new Date());
    expect(prepared).toEqual(['digests: m1,m2', 'campaigns: m2']);
    expect(decisions).toEqual(new Map([['m1', { status: 'skipped', reason: 'no_content' }]]));
  });
});
