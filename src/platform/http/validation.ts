import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { registerDecorator, ValidationOptions } from 'class-validator';
import { FieldError } from '../errors/http-exception.filter';
import { bodyProblem, jsonDeeperThan, MAX_JSON_DEPTH } from './text-input';

/** Flattens nested class-validator errors into `{ field: 'topics.0.frequency', message }`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property /, ''),
    }));
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

/** Whitelisting, unknown fields rejected, 400 naming every field that failed. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => {
      const fields = flattenValidationErrors(errors);
      const first = fields[0];
      return new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: fields.map((f) => `${f.field}: ${f.message}`).join('; '),
        field: first?.field,
        errors: fields,
      });
    },
  });
}

/**
 * A plain JSON object (not an array, not null) whose JSON text is at most `maxBytes` long, nests at
 * most MAX_JSON_DEPTH levels and holds only text PostgreSQL's jsonb can store (no NUL, no unpaired
 * surrogate). Bodies are checked for the last two on arrival; imported rows are not bodies.
 */
export function IsSmallJsonObject(
  maxBytes = 16 * 1024,
  options?: ValidationOptions,
): PropertyDecorator {
  return (object, propertyName) =>
    registerDecorator({
      name: 'isSmallJsonObject',
      target: object.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const json = JSON.stringify(value);
          return (
            json.length <= maxBytes &&
            !jsonDeeperThan(Buffer.from(json), MAX_JSON_DEPTH) &&
            !bodyProblem(value)
          );
        },
        defaultMessage: (args) =>
          `${args?.property ?? propertyName.toString()} must be a JSON object of at most ${maxBytes} bytes ` +
          `and ${MAX_JSON_DEPTH} levels, without NUL characters or unpaired surrogates`,
      },
    });
}

/**
 * Stored text has one kind of line break: CRLF and a lone CR become LF. Text pasted from Windows
 * (CRLF) or an old Mac export (CR) would otherwise show extra or missing line breaks in the text
 * part; the MIME builder (delivery/mime.ts) turns LF into CRLF again on the way out.
 */
export function normaliseLineEndings(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/**
 * normaliseLineEndings on a string, or on every string inside a JSON value (object values and
 * array items, at any depth; keys are left as they are). Objects and arrays are changed in
 * place, without recursion, so deep nesting cannot overflow the stack; a key such as
 * `__proto__` stays an own property. Anything else is returned as it is.
 */
export function normaliseLineEndingsIn<T>(value: T): T {
  if (typeof value === 'string') return normaliseLineEndings(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  const pending: object[] = [value];
  const seen = new Set<object>(pending);
  for (let container = pending.pop(); container; container = pending.pop()) {
    const record = container as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const v = record[key];
      if (typeof v === 'string') {
        if (v.includes('\r')) {
          Object.defineProperty(record, key, {
            value: normaliseLineEndings(v),
            writable: true,
            enumerable: true,
            configurable: true,
          });
        }
      } else if (typeof v === 'object' && v !== null && !seen.has(v)) {
        seen.add(v);
        pending.push(v);
      }
    }
  }
  return value;
}

/**
 * On a DTO field of free text or JSON data (content, attributes, event data, template data):
 * line breaks are normalised where the text enters, so what is stored is clean.
 */
export const NormaliseLineEndings = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => normaliseLineEndingsIn(value));
