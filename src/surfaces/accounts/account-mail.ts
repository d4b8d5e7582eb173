import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../../platform/config/configuration';
import { escapeHtml } from '../../platform/http/page';
import { MAIL_TRANSPORT, MailTransport } from '../../messaging/delivery/mail-transport';
import { headerSafe } from '../../messaging/delivery/outgoing-mail';
import { TOKEN_LIFETIME_HOURS } from './account-tokens.service';
import type { ConsoleLocale } from './roles';

type AccountMailKind = 'invite' | 'password_reset';

/** The console pages a link opens; the token is in the fragment, so it never reaches a log. */
export const CONSOLE_PATHS: Readonly<Record<AccountMailKind | 'owner_setup', string>> = {
  owner_setup: '/console/setup',
  invite: '/console/accept-invite',
  password_reset: '/console/reset-password',
};

const TEXTS: Record<
  ConsoleLocale,
  Record<
    AccountMailKind,
    { subject: string; intro: string; action: string; expiry: string; someone?: string }
  >
> = {
  en: {
    invite: {
      subject: 'You are invited to {brand}',
      intro: '{inviter} invited you to the {brand} console as {role}.',
      action: 'Choose your password and sign in:',
      expiry: 'The link works once, for {hours} hours.',
      someone: 'An administrator',
    },
    password_reset: {
      subject: 'Reset your {brand} password',
      intro: 'Someone (we hope you) asked to reset the password of your {brand} account.',
      action: 'Choose a new password:',
      expiry:
        'The link works once, for {hours} hour(s). If you did not ask for it, ignore this email.',
    },
  },
  nl: {
    invite: {
      subject: 'Je bent uitgenodigd voor {brand}',
      intro: '{inviter} heeft je uitgenodigd voor de console van {brand}, met de rol {role}.',
      action: 'Kies je wachtwoord en meld je aan:',
      expiry: 'De link werkt één keer, {hours} uur lang.',
      someone: 'Een beheerder',
    },
    password_reset: {
      subject: 'Stel je wachtwoord voor {brand} opnieuw in',
      intro:
        'Iemand (hopelijk jij) vroeg om het wachtwoord van je account bij {brand} te herstellen.',
      action: 'Kies een nieuw wachtwoord:',
      expiry:
        'De link werkt één keer, {hours} uur lang. Heb je er niet om gevraagd? Negeer deze e-mail.',
    },
  },
};

/**
 * Account emails (invite, password reset) go straight through email's transport (SMTP, or the
 * outbox without SMTP_URL), as alerts and template test sends do: the send ledger is for
 * messages to subscribers, and a console user is not one. They are plain, short and carry no
 * marketing headers. A send that fails fails the request that caused it, inside its transaction,
 * so an invite is not left in place without its email.
 */
@Injectable()
export class AccountMail {
  private readonly publicUrl: string;
  private readonly from: string;
  private readonly domain: string;
  private readonly brand: string;

  constructor(
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    config: ConfigService<AppConfig, true>,
  ) {
    this.publicUrl = config.get('app', { infer: true }).publicUrl;
    const mail = config.get('mail', { infer: true });
    this.from = mail.from;
    this.domain = mail.domain;
    this.brand = config.get('rendering', { infer: true }).brand.name;
  }

  link(kind: AccountMailKind | 'owner_setup', token: string): string {
    return `${this.publicUrl}${CONSOLE_PATHS[kind]}#token=${token}`;
  }

  async send(
    kind: AccountMailKind,
    to: { email: string; name: string; locale: ConsoleLocale },
    token: string,
    vars: { inviter?: string; role?: string } = {},
  ): Promise<void> {
    const t = TEXTS[to.locale][kind];
    const fill = (s: string) =>
      s
        .replace(/\{brand\}/g, this.brand)
        .replace(/\{inviter\}/g, vars.inviter ?? t.someone ?? '')
        .replace(/\{role\}/g, vars.role ?? '')
        .replace(/\{hours\}/g, String(TOKEN_LIFETIME_HOURS[kind]));
    const link = this.link(kind, token);
    const lines = [fill(t.intro), '', fill(t.action), link, '', fill(t.expiry)];
    await this.transport.send({
      from: this.from,
      to: { name: headerSafe(to.name), address: to.email },
      subject: headerSafe(fill(t.subject)),
      text: `${lines.join('\n')}\n`,
      html: `<p>${escapeHtml(fill(t.intro))}</p><p>${escapeHtml(fill(t.action))}<br><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>${escapeHtml(fill(t.expiry))}</p>`,
      messageId: `<account-${randomUUID()}@${this.domain}>`,
      headers: {},
    });
  }
}
