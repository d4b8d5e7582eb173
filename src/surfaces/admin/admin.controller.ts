import { Body, Controller, Get, Header, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../platform/http/auth.decorators';
import { chartJsSource, DASHBOARD_SCRIPT } from './admin-assets';
import { AdminDashboardService, DASHBOARD_PERIODS, DashboardDays } from './admin-dashboard.service';
import { dashboardPage, loginPage } from './admin-pages';
import { AdminSession, AdminSessionService } from './admin-session.service';

/** Same-origin scripts only (Chart.js and the dashboard script are served from here). */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The marketer's dashboard. Server-rendered; login with an admin API key, then a signed session
 * cookie. Every form carries an anti-forgery value; the cookie is SameSite=Strict as well.
 */
@ApiExcludeController()
@Public()
@Controller('admin')
export class AdminController {
  private chartJs?: string;

  constructor(
    private readonly sessions: AdminSessionService,
    private readonly dashboard: AdminDashboardService,
  ) {}

  @Get()
  async show(
    @Req() req: Request,
    @Res() res: Response,
    @Query('days') days?: string,
    @Query('audit_rule') auditRule?: string,
    @Query('audit_reason') auditReason?: string,
    @Query('audit_status') auditStatus?: string,
    @Query('audit_cursor') auditCursor?: string,
    @Query('kinds_month') kindsMonth?: string,
  ): Promise<void> {
    const session = await this.session(req, res);
    if (!session) return;
    const n = Number(days ?? 30);
    const chosen = (DASHBOARD_PERIODS as readonly number[]).includes(n) ? (n as DashboardDays) : 30;
    const data = await this.dashboard.load(
      chosen,
      {
        rule: text(auditRule),
        reason: text(auditReason),
        status: text(auditStatus),
        cursor: text(auditCursor),
      },
      text(kindsMonth),
    );
    page(res).send(dashboardPage(data, this.sessions.formToken(session), session.apiKeyName));
  }

  @Get('login')
  async loginForm(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (await this.sessions.fromRequest(req)) return res.redirect(303, '/admin');
    page(res).send(loginPage(this.sessions.loginFormToken()));
  }

  @Post('login')
  async login(
    @Req() req: Request,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    if (crossSite(req) || !this.sessions.verifyLoginForm(body?.csrf)) {
      page(res, 403).send(
        loginPage(
          this.sessions.loginFormToken(),
          'The form expired or came from another site; try again.',
        ),
      );
      return;
    }
    const cookie = await this.sessions.login(body?.key);
    if (!cookie) {
      page(res, 401).send(
        loginPage(
          this.sessions.loginFormToken(),
          'Unknown or revoked key, or a key without the admin scope.',
        ),
      );
      return;
    }
    this.sessions.setCookie(res, cookie);
    res.redirect(303, '/admin');
  }

  @Post('logout')
  async logout(
    @Req() req: Request,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const session = await this.sessions.fromRequest(req);
    if (session && (crossSite(req) || !this.sessions.verifyForm(session, body?.csrf))) {
      res.status(403).type('text').send('The form expired or came from another site.');
      return;
    }
    this.sessions.clearCookie(res);
    res.redirect(303, '/admin/login');
  }

  @Get('assets/chart.umd.min.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=86400')
  chart(): string {
    return (this.chartJs ??= chartJsSource());
  }

  @Get('assets/dashboard.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return DASHBOARD_SCRIPT;
  }

  /** The session, or a redirect to the login page (and null). */
  private async session(req: Request, res: Response): Promise<AdminSession | null> {
    const session = await this.sessions.fromRequest(req);
    if (!session) res.redirect(303, '/admin/login');
    return session;
  }
}

function page(res: Response, status = 200): Response {
  return res
    .status(status)
    .type('html')
    .setHeader('Cache-Control', 'no-store')
    .setHeader('Content-Security-Policy', CSP)
    .setHeader('X-Frame-Options', 'DENY')
    .setHeader('Referrer-Policy', 'same-origin');
}

/** Browsers say where a request came from; a cross-site form post is refused outright. */
function crossSite(req: Request): boolean {
  return req.headers['sec-fetch-site'] === 'cross-site';
}

/** A query value as a string (a repeated parameter arrives as an array: the first counts). */
function text(value: unknown): string | undefined {
  const v: unknown = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' ? v.slice(0, 200) : undefined;
}
