/**
 * OpenAPI shapes that DTO classes cannot express, for `@ApiProperty({ ...FREE_FORM_OBJECT })`.
 * A bare `type: object` tells generated clients "no properties at all"; maps say what they hold.
 */
import type { SchemaObject } from '@nestjs/swagger';

/** A JSON object with any keys and values (subscriber attributes, event data). */
export const FREE_FORM_OBJECT = { type: 'object', additionalProperties: true } as const;

/** Named dates, `YYYY-MM-DD`. */
export const DATE_MAP = {
  type: 'object',
  additionalProperties: { type: 'string', format: 'date' },
} as const;

/** Named dates to set; null removes one. */
export const NULLABLE_DATE_MAP = {
  type: 'object',
  additionalProperties: { type: 'string', format: 'date', nullable: true },
} as const;

/** Any JSON value. */
export const ANY_JSON_VALUE: { oneOf: SchemaObject[] } = {
  oneOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'array', items: {} },
    { type: 'object', additionalProperties: true },
  ],
};
