import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { HH_MM, SendWindow } from './send-window';

/** A send window in a request or answer (lifecycle rules, `POST /v1/sends`). */
export class SendWindowDto implements SendWindow {
  @ApiProperty({ example: '09:00', description: "Start, in the subscriber's own time zone" })
  @IsString()
  @Matches(HH_MM, { message: 'start must be a time as HH:MM' })
  start!: string;

  @ApiProperty({ example: '17:00', description: 'End (exclusive); later than the start' })
  @IsString()
  @Matches(HH_MM, { message: 'end must be a time as HH:MM' })
  end!: string;
}
