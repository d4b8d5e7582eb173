/**
 * Errors that services throw. The global filter (http-exception.filter.ts) maps them to HTTP, so
 * services never import Nest's HTTP exceptions and the same errors work in workers and the CLI.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  constructor(
    message: string,
    /** The request field the error is about, when there is one (`email`, `topics[0].frequency`). */
    readonly field?: string,
    /** A stable machine-readable code (`suppressed`, `prospects_not_allowed`). */
    readonly code?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidInputError extends DomainError {
  readonly status = 400;
}
export class UnauthorizedError extends DomainError {
  readonly status = 401;
}
export class ForbiddenError extends DomainError {
  readonly status = 403;
}
export class NotFoundError extends DomainError {
  readonly status = 404;
}
export class ConflictError extends DomainError {
  readonly status = 409;
}
export class GoneError extends DomainError {
  readonly status = 410;
}
/** Well-formed input that a business rule refuses (a prospect joining a customers-only topic). */
export class RuleViolationError extends DomainError {
  readonly status = 422;
}
/** Too many attempts (a console sign-in with wrong passwords); the caller sets `Retry-After`. */
export class TooManyRequestsError extends DomainError {
  readonly status = 429;
}
