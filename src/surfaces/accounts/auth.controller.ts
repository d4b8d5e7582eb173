import { Body, Controller, Get, HttpCode, Patch, Post, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { CookieOptions, Response } from 'express';
import type { AppConfig } from '../../platform/config/configuration';
import { ForbiddenError } from '../../platform/errors/domain-errors';
import { ApiErrors } from '../../platform/http/api-errors';
import { ConsoleUser, CurrentUser, Public } from '../../platform/http/auth.decorators';
import { SignInRateLimit } from '../../platform/http/rate-limit';
import {
  AcceptInviteDto,
  ChangePasswordDto,
  CreateOwnerDto,
  PasswordResetAcceptedDto,
  PasswordResetConfirmDto,
  PasswordResetDto,
  SessionDto,
  SignInDto,
  UpdateMeDto,
  UserDto,
} from './account.dto';
import { AccountsService } from './accounts.service';
import { roleScopes } from './roles';
import { SESSION_COOKIE, SESSION_MAX_DAYS, SessionsService } from './sessions.service';
import { SignInRefused, SignInService } from './sign-in.service';

const RESET_ANSWER = 'If an account has this address, a link to reset its password is on its way';

/**
 * Console accounts: the owner's creation, sign-in and out, the session's user, password reset
 * and accepting an invite (docs/accounts.md).
 */
@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  private readonly cookie: CookieOptions;

  constructor(
    private readonly accounts: AccountsService,
    private readonly signIns: SignInService,
    private readonly sessions: SessionsService,
    config: ConfigService<AppConfig, true>,
  ) {
    // SameSite=Strict: the console is served from the API's own origin, so its requests are
    // same-site and carry the cookie; a request another site starts never does (CSRF's first
    // line; the X-CSRF-Token check is the second). Secure whenever PUBLIC_URL is https.
    this.cookie = {
      httpOnly: true,
      sameSite: 'strict',
      secure: config.get('app', { infer: true }).publicUrl.startsWith('https:'),
      path: '/',
    };
  }

  @Post('owner')
  @Public()
  @ApiOperation({
    summary: 'Create the first owner with the one-time link printed at first start',
  })
  @ApiCreatedResponse({ type: UserDto })
  @ApiErrors(
    400,
    [409, 'An owner exists already'],
    [410, 'The link is unknown, used or expired (`code` link_refused)'],
  )
  async createOwner(@Body() dto: CreateOwnerDto): Promise<UserDto> {
    const user = await this.accounts.createOwner({ ...dto, locale: dto.locale ?? 'en' });
    return UserDto.from(user);
  }

  @Post('sign-in')
  @Public()
  @SignInRateLimit()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Sign in: sets the httpOnly session cookie and returns the CSRF token for unsafe requests',
  })
  @ApiOkResponse({ type: SessionDto })
  @ApiErrors(
    400,
    [401, 'Wrong email or password (`code` sign_in_failed)'],
    [429, 'Too many attempts from this address, or wrong passwords for this account'],
  )
  async signIn(
    @Body() dto: SignInDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SessionDto> {
    try {
      const { user, session } = await this.signIns.signIn(dto.email, dto.password);
      res.cookie(SESSION_COOKIE, session.token, {
        ...this.cookie,
        maxAge: SESSION_MAX_DAYS * 24 * 3600 * 1000,
      });
      return {
        user: UserDto.from(user),
        csrfToken: session.csrfToken,
        scopes: roleScopes(user.role),
      };
    } catch (err) {
      if (err instanceof SignInRefused) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      throw err;
    }
  }

  @Post('sign-out')
  @HttpCode(204)
  @ApiOperation({ summary: 'End this session (needs X-CSRF-Token)' })
  @ApiNoContentResponse({ description: 'Signed out; the cookie is cleared' })
  @ApiErrors(401, [403, 'Without a session, or without the X-CSRF-Token'])
  async signOut(
    @CurrentUser() user: ConsoleUser | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    const session = sessionOf(user);
    await this.sessions.revoke(session.sessionId);
    res.clearCookie(SESSION_COOKIE, this.cookie);
  }

  @Get('me')
  @ApiOperation({ summary: 'The signed-in user, their scopes and the CSRF token' })
  @ApiOkResponse({ type: SessionDto })
  @ApiErrors(401, [403, 'Authenticated with an API key, not a session'])
  async me(@CurrentUser() user: ConsoleUser | undefined): Promise<SessionDto> {
    const session = sessionOf(user);
    const found = await this.accounts.get(session.userId);
    return { user: UserDto.from(found), csrfToken: session.csrfToken, scopes: session.scopes };
  }

  @Patch('me')
  @ApiOperation({
    summary: 'Change your own name or language (every signed-in user; needs X-CSRF-Token)',
  })
  @ApiOkResponse({ type: SessionDto })
  @ApiErrors(400, 401, [403, 'Authenticated with an API key, or without the X-CSRF-Token'])
  async updateMe(
    @CurrentUser() user: ConsoleUser | undefined,
    @Body() dto: UpdateMeDto,
  ): Promise<SessionDto> {
    const session = sessionOf(user);
    const found = await this.accounts.updateSelf(session.userId, dto);
    return { user: UserDto.from(found), csrfToken: session.csrfToken, scopes: session.scopes };
  }

  @Post('me/password')
  @SignInRateLimit()
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Change your own password, giving the current one; your other sessions end (needs X-CSRF-Token)',
  })
  @ApiNoContentResponse({ description: 'The password is changed; this session stays' })
  @ApiErrors(
    [400, 'A field is invalid, or `currentPassword` is wrong (`code` wrong_password)'],
    401,
    [403, 'Authenticated with an API key, or without the X-CSRF-Token'],
    [429, 'Too many requests from this address'],
  )
  async changePassword(
    @CurrentUser() user: ConsoleUser | undefined,
    @Body() dto: ChangePasswordDto,
  ): Promise<void> {
    const session = sessionOf(user);
    await this.accounts.changeOwnPassword(session.userId, session.sessionId, dto);
  }

  @Post('password-reset')
  @Public()
  @SignInRateLimit()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Email a password-reset link; the answer is the same whether the account exists',
  })
  @ApiAcceptedResponse({ type: PasswordResetAcceptedDto })
  @ApiErrors(400, [429, 'Too many requests from this address'])
  async requestReset(@Body() dto: PasswordResetDto): Promise<PasswordResetAcceptedDto> {
    await this.accounts.requestPasswordReset(dto.email);
    return { message: RESET_ANSWER };
  }

  @Post('password-reset/confirm')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'Set a new password with the reset link; every session ends' })
  @ApiNoContentResponse({ description: 'The password is changed' })
  @ApiErrors(400, [410, 'The link is unknown, used or expired (`code` link_refused)'])
  async confirmReset(@Body() dto: PasswordResetConfirmDto): Promise<void> {
    await this.accounts.confirmPasswordReset(dto);
  }

  @Post('accept-invite')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Set the password of an invited account with the invite link' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, [410, 'The link is unknown, used or expired (`code` link_refused)'])
  async acceptInvite(@Body() dto: AcceptInviteDto): Promise<UserDto> {
    return UserDto.from(await this.accounts.acceptInvite(dto));
  }
}

function sessionOf(user: ConsoleUser | undefined): ConsoleUser {
  if (!user) {
    throw new ForbiddenError(
      'This needs a console session, not an API key',
      undefined,
      'session_required',
    );
  }
  return user;
}
