import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsIn, IsString, Length } from 'class-validator';
import type { ApiKey } from './api-key.entity';
import { SCOPES } from '../../platform/http/scopes';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'crm-sync' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['subscribers:write'] })
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(SCOPES, { each: true })
  scopes!: string[];
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The public part of the key, to recognise it' }) prefix!: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes!: string[];
  @ApiProperty() createdAt!: Date;
  @ApiPropertyOptional({ nullable: true, type: Date }) lastUsedAt!: Date | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) revokedAt!: Date | null;

  static from(k: ApiKey): ApiKeyDto {
    return {
      id: k.id,
      name: k.name,
      prefix: `tdg_${k.prefix}_`,
      scopes: k.scopes,
      createdAt: k.createdAt,
      lastUsedAt: k.lastUsedAt,
      revokedAt: k.revokedAt,
    };
  }
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself. It is shown only in this response.' })
  key!: string;
}
