import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
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
