/**
 * A start-up problem the operator can fix (Redis, the database, the port, templates): the process
 * prints its message, one clear sentence naming the setting, and exits 1 without a stack trace.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
