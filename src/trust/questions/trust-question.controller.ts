import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppConfig } from '../../platform/config/configuration';
import { DomainError } from '../../platform/errors/domain-errors';
import { Public } from '../../platform/http/auth.decorators';
import { Brand, trustProblemPage, trustQuestionPage } from './trust-question-page';
import { parseScore, TrustQuestionsService } from './trust-questions.service';

/**
 * The landing page of the trust question's five links. GET only shows the form (the score from
 * the link pre-selected); the POST from its button records the answer.
 */
@ApiExcludeController()
@Public()
@Controller('t')
export class TrustQuestionController {
  private readonly brand: Brand;

  constructor(
    private readonly questions: TrustQuestionsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.brand = config.get('rendering', { infer: true }).brand;
  }

  @Get(':token')
  show(@Param('token') token: string, @Res() res: Response): Promise<void> {
    return this.page(res, token);
  }

  @Get(':token/:score')
  showWithScore(
    @Param('token') token: string,
    @Param('score') score: string,
    @Res() res: Response,
  ): Promise<void> {
    return this.page(res, token, parseScore(score));
  }

  @Post(':token')
  async answer(
    @Param('token') token: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    headers(res);
    try {
      const state = await this.questions.answer(token, body ?? {});
      res
        .status(200)
        .type('html')
        .send(trustQuestionPage(token, state, this.brand, { justRecorded: true }));
    } catch (err) {
      if (err instanceof DomainError && (err.status === 400 || err.status === 403)) {
        // Show the form again (with a fresh form value) and say what to fix.
        const state = await this.questions.open(token).catch(() => null);
        if (state) {
          res
            .status(err.status)
            .type('html')
            .send(trustQuestionPage(token, state, this.brand, { error: err.message }));
          return;
        }
      }
      this.problem(res, err);
    }
  }

  private async page(res: Response, token: string, preselect?: number): Promise<void> {
    headers(res);
    try {
      const state = await this.questions.open(token);
      res
        .status(200)
        .type('html')
        .send(trustQuestionPage(token, state, this.brand, { preselect }));
    } catch (err) {
      this.problem(res, err);
    }
  }

  private problem(res: Response, err: unknown): void {
    if (!(err instanceof DomainError)) throw err;
    const problem =
      err.status === 410
        ? 'expired'
        : err.status === 404
          ? 'missing'
          : err.status === 403
            ? 'form'
            : err.status === 401
              ? 'invalid'
              : undefined;
    if (!problem) throw err;
    res.status(err.status).type('html').send(trustProblemPage(problem, this.brand));
  }
}

function headers(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Robots-Tag', 'noindex');
}
