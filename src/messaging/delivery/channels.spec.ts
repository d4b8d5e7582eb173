import { Injectable, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, TestingModule } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '../../platform/config/configuration';
import { DeliversChannel, DeliveryChannels, EMAIL_CHANNEL, RendersChannel } from './channels';
import type { ClaimedMessage } from './claimed-message';
import { createMailTransport, MAIL_TRANSPORT, OutboxMailTransport } from './mail-transport';
import type { HandOverHooks, MessageTransport, TransportOutcome } from './message-transport';
import type { PendingBuild, TemplateKind } from './template-kind';

function message(id: string, channel: string): ClaimedMessage {
  return { id, channel, subscriberId: `s-${id}`, kind: 'editorial', data: {} } as ClaimedMessage;
}

const lifecycle: string[] = [];

interface PigeonNote {
  id: string;
}

@Injectable()
@DeliversChannel('pigeon')
class PigeonTransport implements MessageTransport<PigeonNote> {
  readonly channel: string = 'pigeon';
  readonly concurrency = 1;
  async deliver(note: PigeonNote, hooks: HandOverHooks): Promise<TransportOutcome> {
    await hooks.beforeSend(undefined);
    return { status: 'accepted', providerMessageId: note.id };
  }
  async flush(): Promise<void> {
    lifecycle.push('pigeon flushed');
  }
  async close(): Promise<void> {
    lifecycle.push('pigeon closed');
  }
  describe(): string {
    return 'pigeon loft';
  }
}

@Injectable()
@RendersChannel('pigeon')
class PigeonNotes implements TemplateKind<PigeonNote> {
  readonly channel = 'pigeon';
  build(messages: ClaimedMessage[]): PendingBuild<PigeonNote>[] {
    return messages.map((m) => async () => ({ id: m.id }));
  }
  start(): void {
    lifecycle.push('pigeon notes started');
  }
}

@Injectable()
@RendersChannel(EMAIL_CHANNEL)
class EmailStub implements TemplateKind {
  readonly channel = EMAIL_CHANNEL;
  build(messages: ClaimedMessage[]): PendingBuild<unknown>[] {
    return messages.map(() => () => Promise.reject(new Error('not in this test')));
  }
}

@Injectable()
@DeliversChannel('pigeon')
class SecondPigeonTransport extends PigeonTransport {}

@Injectable()
@DeliversChannel('carrier')
class CarrierTransport extends PigeonTransport {
  override readonly channel = 'carrier';
}

@Injectable()
@DeliversChannel('pigeon')
class MislabelledTransport extends PigeonTransport {
  override readonly channel = 'semaphore';
}

let outbox: string;
const open: TestingModule[] = [];
beforeEach(() => {
  outbox = mkdtempSync(join(tmpdir(), 'channels-'));
  lifecycle.length = 0;
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
  rmSync(outbox, { recursive: true, force: true });
});

/** Email's transport as DeliveryModule provides it (a factory: the outbox without SMTP_URL). */
function emailTransport(): Provider {
  return {
    provide: MAIL_TRANSPORT,
    useFactory: () =>
      createMailTransport(
        {
          poolSize: 2,
          from: 'news@acme.test',
          unsubscribeMailto: 'u@acme.test',
          domain: 'acme.test',
        } as AppConfig['mail'],
        outbox,
      ),
  };
}

async function channels(...providers: Provider[]): Promise<DeliveryChannels> {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [DeliveryChannels, ...providers],
  }).compile();
  await moduleRef.init();
  open.push(moduleRef);
  return moduleRef.get(DeliveryChannels);
}

describe(DeliveryChannels.name, () => {
  it('gives a test channel’s transport exactly its messages, email’s the rest, in order', async () => {
    const c = await channels(emailTransport(), EmailStub, PigeonTransport, PigeonNotes);
    const batch = [
      message('e1', 'email'),
      message('p1', 'pigeon'),
      message('e2', 'email'),
      message('p2', 'pigeon'),
    ];
    const groups = c.route(batch);
    expect(groups.map((g) => [g.channel, g.messages.map((m) => m.id)])).toEqual([
      ['email', ['e1', 'e2']],
      ['pigeon', ['p1', 'p2']],
    ]);
    const [email, pigeon] = groups;
    expect(email.route?.transport).toBeInstanceOf(OutboxMailTransport);
    expect(email.route?.templates).toBeInstanceOf(EmailStub);
    expect(pigeon.route?.transport).toBeInstanceOf(PigeonTransport);
    expect(pigeon.route?.templates).toBeInstanceOf(PigeonNotes);
  });

  it('keeps a batch of one channel whole', async () => {
    const c = await channels(emailTransport(), EmailStub, PigeonTransport, PigeonNotes);
    const batch = [message('p1', 'pigeon'), message('p2', 'pigeon')];
    const [group, ...others] = c.route(batch);
    expect(others).toEqual([]);
    expect(group.messages).toBe(batch);
    expect(group.route?.transport).toBeInstanceOf(PigeonTransport);
  });

  it('routes a message whose channel no transport delivers nowhere (delivery fails it)', async () => {
    const c = await channels(emailTransport(), EmailStub);
    const groups = c.route([message('e1', 'email'), message('p1', 'pigeon')]);
    expect(groups[1]).toEqual({
      channel: 'pigeon',
      messages: [groups[1].messages[0]],
      route: undefined,
    });
    expect(groups[1].messages[0].id).toBe('p1');
    expect(groups[0].route).toBeDefined();
  });

  it('refuses two transports for one channel at start', async () => {
    await expect(channels(PigeonTransport, SecondPigeonTransport, PigeonNotes)).rejects.toThrow(
      'Two transports deliver channel "pigeon": PigeonTransport and SecondPigeonTransport',
    );
  });

  it('refuses a transport without a template kind, and one that serves another channel than it says', async () => {
    await expect(channels(PigeonTransport, PigeonNotes, CarrierTransport)).rejects.toThrow(
      'CarrierTransport delivers channel "carrier" but no @RendersChannel("carrier") template kind builds its messages',
    );
    await expect(channels(MislabelledTransport, PigeonNotes)).rejects.toThrow(
      'MislabelledTransport is registered for channel "pigeon" but says it serves "semaphore"',
    );
  });

  it('starts the template kinds, flushes and closes every transport', async () => {
    const c = await channels(PigeonTransport, PigeonNotes);
    c.start();
    await c.flush();
    await open.pop()!.close();
    expect(lifecycle).toEqual(['pigeon notes started', 'pigeon flushed', 'pigeon closed']);
  });
});
