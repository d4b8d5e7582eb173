/**
 * The one error schema of the OpenAPI document. Every `/v1` operation documents its error answers
 * with `ApiErrors(...)`, so generated clients type errors as `ErrorResponse` and the contract
 * tests can hold the server to it. The body is what `AllExceptionsFilter` writes (`ErrorBody`).
 */
import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { ErrorBody, FieldError } from '../errors/http-exception.filter';

export class FieldErrorResponse implements FieldError {
  @ApiProperty({ example: 'topics[0].frequency', description: 'The request field, as a path' })
  field!: string;

  @ApiProperty({ example: 'frequency must be one of: immediate, daily, weekly, monthly' })
  message!: string;

  @ApiPropertyOptional({ example: 12, description: "1-based line in the field's text (templates)" })
  line?: number;

  @ApiPropertyOptional({ example: 7, description: '1-based column in that line (templates)' })
  column?: number;

  @ApiPropertyOptional({ example: 'template_unknown_variable' })
  code?: string;
}

export class ErrorResponse implements ErrorBody {
  @ApiProperty({ type: 'integer', example: 400, description: 'The HTTP status, repeated' })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request', description: 'The status text' })
  error!: string;

  @ApiProperty({ example: 'email must be an email address', description: 'For people' })
  message!: string;

  @ApiPropertyOptional({ example: 'email', description: 'The field the error is about' })
  field?: string;

  @ApiPropertyOptional({
    example: 'suppressed',
    description: 'A stable machine-readable code, when the error has one',
  })
  code?: string;

  @ApiPropertyOptional({
    type: [FieldErrorResponse],
    description: 'Every field error, when the body had several',
  })
  errors?: FieldErrorResponse[];
}

/** What each status means when an operation gives no description of its own. */
export const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid; `field` and `errors[]` name what is wrong',
  401: 'Missing, unknown or revoked API key',
  403: 'The API key lacks a required scope',
  404: 'Not found',
  409: 'Conflicts with the current state',
  410: 'Gone',
  413: 'The body is too large',
  415: 'Unsupported content type',
  422: 'Well-formed, but a rule refuses it; `code` says which',
  429: 'Too many requests; see `Retry-After`',
  503: 'A dependency is briefly unavailable; see `Retry-After`',
};

/**
 * Documents error answers with the shared `ErrorResponse` schema:
 * `@ApiErrors(400, 404)` or `@ApiErrors([404, 'No topic with this key'], 409)`.
 */
export function ApiErrors(...statuses: Array<number | [number, string]>) {
  return applyDecorators(
    ...statuses.map((entry) => {
      const [status, description] = Array.isArray(entry)
        ? entry
        : [entry, DEFAULT_DESCRIPTIONS[entry] ?? 'Error'];
      return ApiResponse({ status, description, type: ErrorResponse });
    }),
  );
}

/**
 * Like `ApiErrors`, for routes that answer a browser's form post with an HTML page of the same
 * status (the public subscribe form): `ErrorResponse` as JSON, or `text/html`.
 */
export function ApiFormErrors(...statuses: Array<number | [number, string]>) {
  return applyDecorators(
    ApiExtraModels(ErrorResponse),
    ...statuses.map((entry) => {
      const [status, description] = Array.isArray(entry)
        ? entry
        : [entry, DEFAULT_DESCRIPTIONS[entry] ?? 'Error'];
      return ApiResponse({
        status,
        description,
        content: {
          'application/json': { schema: { $ref: getSchemaPath(ErrorResponse) } },
          'text/html': { schema: { type: 'string' } },
        },
      });
    }),
  );
}
