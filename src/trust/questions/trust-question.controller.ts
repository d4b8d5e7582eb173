import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppConfig } from '../../platform/config/configuration';
import { Public } from '../../platform/http/auth.decorators';
import { LinkForm, showLinkForm, submitLinkForm } from '../link-pages';
import { trustProblemPage, trustQuestionPage } from './trust-question-page';
import { parseScore, TrustAnswerState, TrustQuestionsService } from './trust-questions.service';

/**
 * The landing page of the trust question's five links. GET only shows the form (the score from
 * the link pre-selected); the POST from its button records the answer.
 */
@ApiExcludeController()
@Public()
@Controller('t')
export class TrustQuestionController {
  private readonly form: LinkForm<TrustAnswerState, number>;

  constructor(questions: TrustQuestionsService, config: ConfigService<AppConfig, true>) {
    const brand = config.get('rendering', { infer: true }).brand;
    this.form = {
      open: (token) => questions.open(token),
      record: (token, body) => questions.answer(token, body),
      form: (token, state, options) => trustQuestionPage(token, state, brand, options),
      problem: (problem) => trustProblemPage(problem, brand),
    };
  }

  @Get(':token')
  show(@Param('token') token: string, @Res() res: Response): Promise<void> {
    return showLinkForm(res, this.form, token);
  }

  @Get(':token/:score')
  showWithScore(
    @Param('token') token: string,
    @Param('score') score: string,
    @Res() res: Response,
  ): Promise<void> {
    return showLinkForm(res, this.form, token, parseScore(score));
  }

  @Post(':token')
  answer(
    @Param('token') token: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    return submitLinkForm(res, this.form, token, body);
  }
}
