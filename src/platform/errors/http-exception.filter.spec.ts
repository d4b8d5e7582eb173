import { ArgumentsHost, Logger, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { InvalidInputError } from './domain-errors';
import { AllExceptionsFilter, mapError } from './http-exception.filter';

/** An error as body-parser (http-errors) makes it. */
function bodyError(status: number, message: string, props: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), { status, statusCode: status, expose: true, ...props });
}

function queryFailed(code: string): QueryFailedError {
  const err = new DatabaseError('failed', 0, 'error');
  err.code = code;
  return new QueryFailedError('SELECT 1', [], err);
}

const request = (headers: Record<string, string> = {}) => ({ headers }) as unknown as Request;

describe(AllExceptionsFilter.name, () => {
  describe(mapError.name, () => {
    it.each([
      [
        'charset.unsupported',
        bodyError(415, 'unsupported charset "LATIN1"', { charset: 'latin1' }),
        { statusCode: 415, code: 'unsupported_charset', field: 'body' },
      ],
      [
        'encoding.unsupported',
        bodyError(415, 'unsupported content encoding "bogus"', { encoding: 'bogus' }),
        { statusCode: 415, code: 'unsupported_encoding', field: 'body' },
      ],
      [
        'entity.too.large',
        bodyError(413, 'request entity too large', { limit: 1048576 }),
        { statusCode: 413, code: 'too_large', message: 'The request body is larger than 1 MB' },
      ],
      [
        'entity.parse.failed',
        bodyError(400, 'Unexpected end of JSON input'),
        { statusCode: 400, code: 'invalid_json', field: 'body' },
      ],
      ['request.aborted', bodyError(400, 'request aborted'), { statusCode: 400, field: 'body' }],
    ])("maps body-parser's %s", (type, error, expected) => {
      expect(mapError(Object.assign(error, { type }), request()).body).toMatchObject(expected);
    });

    it('names a body that does not inflate by its Content-Encoding', () => {
      const zlib = Object.assign(bodyError(400, 'incorrect header check'), {
        code: 'Z_DATA_ERROR',
      });
      expect(mapError(zlib, request({ 'content-encoding': 'gzip' })).body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'The request body is not valid gzip data',
        field: 'body',
        code: 'invalid_encoding',
      });
    });

    it('keeps domain and HTTP errors as they are', () => {
      expect(mapError(new InvalidInputError('bad', 'email', 'x')).body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'bad',
        field: 'email',
        code: 'x',
      });
      expect(mapError(new NotFoundException('gone')).body).toMatchObject({ statusCode: 404 });
    });

    it('answers a transient database error with 503 and Retry-After, a duplicate with 409', () => {
      expect(mapError(queryFailed('57P01'))).toEqual({
        body: {
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'The database is briefly unavailable; try again in a moment',
          code: 'temporarily_unavailable',
        },
        retryAfter: 2,
      });
      expect(mapError(queryFailed('23505')).body).toMatchObject({ statusCode: 409 });
      expect(mapError(queryFailed('42P01'))).toEqual({
        body: { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' },
      });
    });

    it('does not trust an error that only looks like a client error', () => {
      const internal = Object.assign(new Error('secret detail'), { status: 400 });
      expect(mapError(internal).body).toMatchObject({ statusCode: 500 });
    });
  });

  describe('catch', () => {
    function respond(exception: unknown, path: string, accept: string) {
      const res = {
        headersSent: false,
        headers: {} as Record<string, string>,
        setHeader(name: string, value: string) {
          this.headers[name] = value;
        },
        status: jest.fn().mockReturnThis(),
        type: jest.fn().mockReturnThis(),
        json: jest.fn(),
        send: jest.fn(),
      };
      const req = {
        method: 'GET',
        path,
        headers: { accept },
        accepts: (types: string[]) => (accept === 'text/html' ? 'html' : types[0]),
      };
      const host = {
        getType: () => 'http',
        switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
      } as unknown as ArgumentsHost;
      new AllExceptionsFilter().catch(exception, host);
      return res as typeof res & Response;
    }

    beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
    afterEach(() => jest.restoreAllMocks());

    it('sets Retry-After on a 503 for a transient failure, as JSON and as a page', () => {
      const api = respond(queryFailed('08006'), '/v1/topics', 'application/json');
      expect(api.status).toHaveBeenCalledWith(503);
      expect(api.headers['Retry-After']).toBe('2');
      expect(api.json).toHaveBeenCalledWith(expect.objectContaining({ statusCode: 503 }));
      const page = respond(queryFailed('57P03'), '/subscribe', 'text/html');
      expect(page.headers['Retry-After']).toBe('2');
      expect(page.type).toHaveBeenCalledWith('html');
      expect(page.send).toHaveBeenCalledWith(expect.stringContaining('503 Service Unavailable'));
    });

    it('sets no Retry-After otherwise', () => {
      const res = respond(new InvalidInputError('bad'), '/v1/topics', 'application/json');
      expect(res.status).toHaveBeenCalledWith(400);
      expect(res.headers['Retry-After']).toBeUndefined();
    });
  });
});
