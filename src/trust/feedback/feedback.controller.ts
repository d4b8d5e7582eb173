import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../../platform/http/auth.decorators';
import { AppConfig } from '../../platform/config/configuration';
import { LinkForm, showLinkForm, submitLinkForm } from '../link-pages';
import { feedbackFormPage, feedbackProblemPage } from './feedback-page';
import { Answer, FeedbackService, FeedbackState } from './feedback.service';

/**
 * The landing page of the "Was this useful?" links. GET only shows the form (the answer from the
 * link pre-selected); the POST from its button records the vote.
 */
@ApiExcludeController()
@Public()
@Controller('f')
export class FeedbackController {
  private readonly form: LinkForm<FeedbackState, Answer>;

  constructor(feedback: FeedbackService, config: ConfigService<AppConfig, true>) {
    const brand = config.get('rendering', { infer: true }).brand;
    this.form = {
      open: (token) => feedback.open(token),
      record: (token, body) => feedback.vote(token, body),
      form: (token, state, options) => feedbackFormPage(token, state, brand, options),
      problem: (problem) => feedbackProblemPage(problem, brand),
    };
  }

  @Get(':token')
  show(@Param('token') token: string, @Res() res: Response): Promise<void> {
    return showLinkForm(res, this.form, token);
  }

  @Get(':token/:answer')
  showWithAnswer(
    @Param('token') token: string,
    @Param('answer') answer: string,
    @Res() res: Response,
  ): Promise<void> {
    const preselect = answer === 'yes' || answer === 'no' ? answer : undefined;
    return showLinkForm(res, this.form, token, preselect);
  }

  @Post(':token')
  vote(
    @Param('token') token: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return submitLinkForm(res, this.form, token, body);
  }
}
