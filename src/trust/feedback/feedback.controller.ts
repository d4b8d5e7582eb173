import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../../platform/http/auth.decorators';
import { DomainError } from '../../platform/errors/domain-errors';
import { AppConfig } from '../../platform/config/configuration';
import { Brand, feedbackFormPage, feedbackProblemPage } from './feedback-page';
import { Answer, FeedbackService } from './feedback.service';

/**
 * The landing page of the "Was this useful?" links. GET only shows the form (the answer from the
 * link pre-selected); the POST from its button records the vote.
 */
@ApiExcludeController()
@Public()
@Controller('f')
export class FeedbackController {
  private readonly brand: Brand;

  constructor(
    private readonly feedback: FeedbackService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.brand = config.get('rendering', { infer: true }).brand;
  }

  @Get(':token')
  show(@Param('token') token: string, @Res() res: Response): Promise<void> {
    return this.page(res, token);
  }

  @Get(':token/:answer')
  showWithAnswer(
    @Param('token') token: string,
    @Param('answer') answer: string,
    @Res() res: Response,
  ): Promise<void> {
    return this.page(res, token, answer === 'yes' || answer === 'no' ? answer : undefined);
  }

  @Post(':token')
  async vote(
    @Param('token') token: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    headers(res);
    try {
      const state = await this.feedback.vote(token, body ?? {});
      res
        .status(200)
        .type('html')
        .send(feedbackFormPage(token, state, this.brand, { justRecorded: true }));
    } catch (err) {
      if (err instanceof DomainError && (err.status === 400 || err.status === 403)) {
        // Show the form again (with a fresh form value) and say what to fix.
        const state = await this.feedback.open(token).catch(() => null);
        if (state) {
          res
            .status(err.status)
            .type('html')
            .send(feedbackFormPage(token, state, this.brand, { error: err.message }));
          return;
        }
      }
      this.problem(res, err);
    }
  }

  private async page(res: Response, token: string, preselect?: Answer): Promise<void> {
    headers(res);
    try {
      const state = await this.feedback.open(token);
      res
        .status(200)
        .type('html')
        .send(feedbackFormPage(token, state, this.brand, { preselect }));
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
    res.status(err.status).type('html').send(feedbackProblemPage(problem, this.brand));
  }
}

function headers(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Robots-Tag', 'noindex');
}
