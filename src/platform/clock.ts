import { Injectable } from '@nestjs/common';

/**
 * The application's notion of "now". Everything that decides when something is due (scheduler,
 * dispatcher, send-time checks) asks the clock instead of `new Date()` or SQL `now()`, so tests
 * can move time forward (a quarter in seconds) and see exactly what a real quarter would do.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
