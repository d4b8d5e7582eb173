import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsDate,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { lowerTrim } from '../../audience/subscribers/subscriber.dto';
import { ACTIVITY_ACTIONS, ActivityEntry } from './activity.service';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords';
import { CONSOLE_LOCALES, ConsoleLocale, Role, ROLES } from './roles';
import type { User } from './user';

const PASSWORD = {
  description: `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
  minLength: PASSWORD_MIN_LENGTH,
  maxLength: PASSWORD_MAX_LENGTH,
};
const TOKEN = { description: 'The token from the link (after `#token=`)' };

class EmailField {
  @ApiProperty({ example: 'ada@acme.example' })
  @Transform(lowerTrim)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(254)
  email!: string;
}

export class SignInDto extends EmailField {
  @ApiProperty({ maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}

export class CreateOwnerDto extends EmailField {
  @ApiProperty(TOKEN)
  @IsString()
  @Length(1, 100)
  token!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty(PASSWORD)
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  password!: string;

  @ApiPropertyOptional({ enum: CONSOLE_LOCALES, default: 'en' })
  @IsOptional()
  @IsIn(CONSOLE_LOCALES)
  locale?: ConsoleLocale;
}

export class PasswordResetDto extends EmailField {}

export class PasswordResetConfirmDto {
  @ApiProperty(TOKEN)
  @IsString()
  @Length(1, 100)
  token!: string;

  @ApiProperty(PASSWORD)
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  password!: string;
}

export class AcceptInviteDto extends PasswordResetConfirmDto {
  @ApiPropertyOptional({ description: 'Replaces the name the invite gave' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
}

export class InviteUserDto extends EmailField {
  @ApiProperty({ example: 'Grace Hopper' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({ enum: CONSOLE_LOCALES, default: 'en' })
  @IsOptional()
  @IsIn(CONSOLE_LOCALES)
  locale?: ConsoleLocale;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ description: 'true ends every session of the user and refuses sign-in' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ enum: CONSOLE_LOCALES })
  @IsOptional()
  @IsIn(CONSOLE_LOCALES)
  locale?: ConsoleLocale;
}

/** What a signed-in user may change about themselves. */
export class UpdateMeDto {
  @ApiPropertyOptional({ example: 'Ada Lovelace', minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ enum: CONSOLE_LOCALES, description: 'The console and its emails' })
  @IsOptional()
  @IsIn(CONSOLE_LOCALES)
  locale?: ConsoleLocale;
}

export class ChangePasswordDto {
  @ApiProperty({ maxLength: PASSWORD_MAX_LENGTH, description: 'The password used now' })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  currentPassword!: string;

  @ApiProperty(PASSWORD)
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  password!: string;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ enum: CONSOLE_LOCALES }) locale!: ConsoleLocale;
  @ApiProperty({
    enum: ['invited', 'active', 'disabled'],
    description: 'invited: has not set a password yet',
  })
  status!: 'invited' | 'active' | 'disabled';
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) lastSignInAt!: Date | null;
  @ApiProperty({ nullable: true, format: 'uuid', type: String }) invitedBy!: string | null;

  static from(u: User): UserDto {
    return {
      id: u.id,
      email: u.email,
      name: u.name,
      role: u.role,
      locale: u.locale,
      status: u.disabledAt ? 'disabled' : u.hasPassword ? 'active' : 'invited',
      createdAt: u.createdAt,
      lastSignInAt: u.lastSignInAt,
      invitedBy: u.invitedBy,
    };
  }
}

export class SessionDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;

  @ApiProperty({
    description: 'Send it as the `X-CSRF-Token` header with every request that changes something',
  })
  csrfToken!: string;

  @ApiProperty({ isArray: true, type: String, description: "The role's API scopes" })
  scopes!: string[];
}

export class PasswordResetAcceptedDto {
  @ApiProperty({
    example: 'If an account has this address, a link to reset its password is on its way',
  })
  message!: string;
}

export class ActivityQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'A user id or an API key id' })
  @IsOptional()
  @IsUUID()
  actor?: string;

  @ApiPropertyOptional({ enum: ACTIVITY_ACTIONS })
  @IsOptional()
  @IsIn(ACTIVITY_ACTIONS)
  action?: string;

  @ApiPropertyOptional({ description: 'At or after this time (ISO 8601)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'from must be an ISO 8601 time' })
  from?: Date;

  @ApiPropertyOptional({ description: 'Before this time (ISO 8601)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'to must be an ISO 8601 time' })
  to?: Date;

  @ApiPropertyOptional({ description: 'Entries older than this entry id (the `next` of a page)' })
  @IsOptional()
  @Matches(/^[0-9]{1,18}$/, { message: 'before must be an entry id' })
  before?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({
    enum: ['json', 'csv'],
    default: 'json',
    description: 'csv: every matching entry (up to 100,000), newest first, as a download',
  })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class ActivityEntryDto {
  @ApiProperty({ description: 'Increasing with time' }) id!: string;
  @ApiProperty() occurredAt!: Date;
  @ApiProperty({ enum: ['user', 'api_key', 'system'] }) actorType!: string;
  @ApiProperty({ nullable: true, format: 'uuid', type: String }) actorId!: string | null;
  @ApiProperty({ description: "A user's email or an API key's name at the time" })
  actorName!: string;
  @ApiProperty({ enum: ACTIVITY_ACTIONS }) action!: string;
  @ApiProperty({ nullable: true, type: String, example: 'campaign' }) targetType!: string | null;
  @ApiProperty({ nullable: true, type: String }) targetId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;

  static from(e: ActivityEntry): ActivityEntryDto {
    return { ...e };
  }
}

export class ActivityPageDto {
  @ApiProperty({ type: ActivityEntryDto, isArray: true }) items!: ActivityEntryDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `before` for the next (older) page; null on the last',
  })
  next!: string | null;
}
