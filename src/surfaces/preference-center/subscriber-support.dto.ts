import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class PauseSubscriberDto {
  @ApiProperty({
    example: '2027-03-01',
    description:
      'The day email starts again (YYYY-MM-DD), in the subscriber’s time zone: email is paused ' +
      'until that day begins. From tomorrow to 365 days ahead.',
  })
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'until must be a date as YYYY-MM-DD' })
  until!: string;
}

export class QueuedEmailDto {
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description:
      'The message in the send ledger (`GET /v1/messages/:id`); null when the same email was ' +
      'queued less than a minute (confirmation) or ten minutes (preference link) ago',
  })
  messageId!: string | null;
}

export class ChangedDto {
  @ApiProperty({ description: 'False when nothing changed (the request was a repeat)' })
  changed!: boolean;
}
