import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NextFunction, Request, Response } from 'express';
import { createHmac, randomBytes } from 'node:crypto';
import { ApiKeysService } from '../api/api-keys.service';
import { SESSION_COOKIE as CONSOLE_COOKIE, SessionsService } from '../accounts/sessions.service';
import { Clock } from '../../platform/clock';
import { deriveKey, safeEqual } from '../../platform/crypto';
import { SignedForms } from '../../platform/http/signed-form';
import { AppConfig } from '../../platform/config/configuration';

export const SESSION_COOKIE = 'tidings_admin';
export const SESSION_HOURS = 8;
const SESSION_MS = SESSION_HOURS * 3600_000;

export interface AdminSession {
  apiKeyId: string;
  apiKeyName: string;
  /** Random per login; anti-forgery values of the session's forms are bound to it. */
  nonce: string;
  expiresAt: Date;
}

/**
 * Dashboard sessions without server-side state: after logging in with an API key holding the
 * `admin` scope, the browser keeps a signed, HttpOnly, SameSite=Strict cookie naming that key.
 * Every request re-checks the key, so revoking it (or removing `admin`) ends its sessions.
 */
@Injectable()
export class AdminSessionService {
  private readonly key: Buffer;
  private readonly loginForms: SignedForms;
  private readonly sessionForms: SignedForms;
  private readonly secureCookie: boolean;

  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly consoleSessions: SessionsService,
    private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
  ) {
    const secret = config.get('security', { infer: true }).secretKey;
    if (!secret) throw new Error('security.secretKey is not resolved');
    this.key = deriveKey(secret, 'admin-session');
    this.loginForms = new SignedForms(deriveKey(secret, 'admin-login-form'), 3600_000);
    this.sessionForms = new SignedForms(deriveKey(secret, 'admin-session-form'), SESSION_MS);
    this.secureCookie = config.get('app', { infer: true }).publicUrl.startsWith('https:');
  }

  loginFormToken(): string {
    return this.loginForms.issue('login', this.clock.now());
  }

  verifyLoginForm(value: unknown): boolean {
    return this.loginForms.verify(value, 'login', this.clock.now());
  }

  formToken(session: AdminSession): string {
    return this.sessionForms.issue(session.nonce, this.clock.now());
  }

  verifyForm(session: AdminSession, value: unknown): boolean {
    return this.sessionForms.verify(value, session.nonce, this.clock.now());
  }

  /** Checks the presented API key; returns the cookie value for a key with the admin scope. */
  async login(presented: unknown): Promise<string | null> {
    if (typeof presented !== 'string' || presented.length > 200) return null;
    const apiKey = await this.apiKeys.verify(presented.trim());
    if (!apiKey || !apiKey.scopes.includes('admin')) return null;
    const expires = Math.floor((this.clock.now().getTime() + SESSION_MS) / 1000).toString(36);
    const body = `v1.${apiKey.id}.${expires}.${randomBytes(12).toString('base64url')}`;
    return `${body}.${this.mac(body)}`;
  }

  async fromRequest(req: Request): Promise<AdminSession | null> {
    const value = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!value || value.length > 300) return null;
    const parts = value.split('.');
    if (parts.length !== 5 || parts[0] !== 'v1') return null;
    const [, apiKeyId, expires, nonce, mac] = parts;
    if (!safeEqual(mac, this.mac(parts.slice(0, 4).join('.')))) return null;
    const expiresAt = new Date(parseInt(expires, 36) * 1000);
    if (!(expiresAt.getTime() > this.clock.now().getTime())) return null;
    const key = await this.apiKeys.find(apiKeyId);
    if (!key || key.revokedAt || !key.scopes.includes('admin')) return null;
    return { apiKeyId, apiKeyName: key.name, nonce, expiresAt };
  }

  setCookie(res: Response, value: string): void {
    res.cookie(SESSION_COOKIE, value, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secureCookie,
      path: '/admin',
      maxAge: SESSION_MS,
    });
  }

  clearCookie(res: Response): void {
    res.clearCookie(SESSION_COOKIE, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secureCookie,
      path: '/admin',
    });
  }

  /**
   * Who may open the queue board: an admin API key's dashboard session, or a console user
   * signed in as owner or admin. A console user with another role is `forbidden`; nobody signed
   * in is `none`.
   */
  async boardAccess(req: Request): Promise<'allowed' | 'forbidden' | 'none'> {
    if (await this.fromRequest(req)) return 'allowed';
    const token = readCookie(req.headers.cookie, CONSOLE_COOKIE);
    if (!token) return 'none';
    const user = await this.consoleSessions.verify(token);
    if (!user) return 'none';
    if (user.role !== 'owner' && user.role !== 'admin') return 'forbidden';
    // The console cookie is SameSite=Strict; a request a browser marks cross-site is refused too.
    if (!SAFE_METHODS.has(req.method) && req.headers['sec-fetch-site'] === 'cross-site') {
      return 'forbidden';
    }
    return 'allowed';
  }

  /** Express middleware for pages outside Nest's controllers (Bull Board). */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      this.boardAccess(req)
        .then((access) => {
          if (access === 'forbidden') {
            res.status(403).json({
              statusCode: 403,
              error: 'Forbidden',
              message: 'Only owners and admins may open the queue board',
              code: 'missing_scope',
            });
            return;
          }
          if (access === 'allowed') {
            // Bull Board decodes the query itself and answers a broken escape (`?activeQueue=%2`)
            // with a 500; this answers it as the bad request it is.
            if (!decodesCleanly(req.url)) {
              res.status(400).json({
                statusCode: 400,
                error: 'Bad Request',
                message: 'The query has a broken percent escape',
                field: 'query',
              });
              return;
            }
            return next();
          }
          if (req.method === 'GET' && req.accepts('html')) {
            res.redirect(303, '/admin/login');
          } else {
            res
              .status(401)
              .json({ statusCode: 401, error: 'Unauthorized', message: 'Log in at /admin/login' });
          }
        })
        .catch(next);
    };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Whether every percent escape of the URL's query is complete (decodeURIComponent takes it). */
export function decodesCleanly(url: string): boolean {
  const q = url.indexOf('?');
  if (q < 0) return true;
  try {
    decodeURIComponent(url.slice(q + 1).replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}
