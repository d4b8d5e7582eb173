import { ArgumentsHost, Logger, NotFoundException } from '@nestjs/common';
import type { Response } from 'express';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { InvalidInputError } from './domain-errors';
import { AllExceptionsFilter, mapError } from './http-exception.filter';

function queryFailed(code: string): QueryFailedError {
  const err = new DatabaseError('failed', 0, 'error');
  err.code = code;
  return new QueryFailedError('SELECT 1', [], err);
}

describe(AllExceptionsFilter.name, () => {
  describe(mapError.name, () => {
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
