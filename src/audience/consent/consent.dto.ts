import { ApiProperty } from '@nestjs/swagger';
import { FREE_FORM_OBJECT } from '../../platform/http/api-schemas';
import {
  CONSENT_ACTIONS,
  CONSENT_SOURCES,
  ConsentAction,
  ConsentSource,
} from './consent-event.entity';
import type { ConsentHistoryEntry } from './consent.service';

export class ConsentEventDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: CONSENT_ACTIONS }) action!: ConsentAction;
  @ApiProperty({ nullable: true, type: String }) topic!: string | null;
  @ApiProperty({ nullable: true, type: String }) topicName!: string | null;
  @ApiProperty({ description: 'The exact wording the person saw, or what was done' })
  wording!: string;
  @ApiProperty() wordingVersion!: string;
  @ApiProperty({ enum: CONSENT_SOURCES }) source!: ConsentSource;
  @ApiProperty({ ...FREE_FORM_OBJECT }) details!: Record<string, unknown>;
  @ApiProperty({ description: 'UTC' }) occurredAt!: Date;

  static from(e: ConsentHistoryEntry): ConsentEventDto {
    return {
      id: String(e.id),
      action: e.action,
      topic: e.topicKey,
      topicName: e.topicName,
      wording: e.wording,
      wordingVersion: e.wordingVersion,
      source: e.source,
      details: e.details,
      occurredAt: e.occurredAt,
    };
  }
}
