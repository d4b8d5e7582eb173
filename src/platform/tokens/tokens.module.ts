import { Global, Module } from '@nestjs/common';
import { TokensService } from './tokens.service';

/** Signed link tokens; global because emails, pages and feedback all carry them. */
@Global()
@Module({ providers: [TokensService], exports: [TokensService] })
export class TokensModule {}
