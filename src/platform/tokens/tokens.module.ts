import { Module } from '@nestjs/common';
import { TokensService } from './tokens.service';

/** Signed link tokens: emails, pages and feedback carry them; each module that signs or checks them imports this. */
@Module({ providers: [TokensService], exports: [TokensService] })
export class TokensModule {}
