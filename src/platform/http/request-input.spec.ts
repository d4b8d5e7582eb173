import type { NextFunction, Request, Response } from 'express';
import { InvalidInputError } from '../errors/domain-errors';
import { checkBodyText, checkUrlText, keepBodyErrorType } from './request-input';

const routes = [
  { route: { path: '/{*path}', methods: { get: true, post: true } } },
  { route: { path: '/v1/topics/:idOrKey', methods: { get: true } } },
  { route: { path: '/v1/topics/:key/archive', methods: { post: true } } },
  { route: { path: '/v1/subscribers/:id/subscriptions/:topic', methods: { delete: true } } },
  { name: 'jsonParser' },
];

function run(
  handler: (req: Request, res: Response, next: NextFunction) => void,
  req: Partial<Request>,
): unknown {
  const next = jest.fn();
  handler(
    { method: 'GET', app: { router: { stack: routes } }, ...req } as Request,
    {} as Response,
    next,
  );
  expect(next).toHaveBeenCalledTimes(1);
  return next.mock.calls[0][0];
}

describe('request-input', () => {
  describe('checkUrlText', () => {
    it('names the route parameter of a bad path segment, from the route table', () => {
      const err = run(checkUrlText, { url: '/v1/topics/%00' });
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(err).toMatchObject({ field: 'idOrKey', code: 'nul', status: 400 });
      expect(run(checkUrlText, { url: '/v1/topics/%FF/' })).toMatchObject({ field: 'idOrKey' });
      expect(
        run(checkUrlText, { method: 'DELETE', url: '/v1/subscribers/abc/subscriptions/%C0%AF' }),
      ).toMatchObject({ field: 'topic', code: 'invalid_utf8' });
      expect(run(checkUrlText, { method: 'POST', url: '/v1/topics/%00/archive' })).toMatchObject({
        field: 'key',
      });
    });

    it('calls a segment no route knows "path"', () => {
      expect(run(checkUrlText, { url: '/nowhere/%00' })).toMatchObject({ field: 'path' });
    });

    it('names the query parameter', () => {
      expect(run(checkUrlText, { url: '/v1/topics?limit=1&topic=%00' })).toMatchObject({
        field: 'topic',
        code: 'nul',
      });
    });

    it('passes clean URLs', () => {
      expect(run(checkUrlText, { url: '/v1/topics/caf%C3%A9?q=%F0%9F%98%80+x&y' })).toBeUndefined();
    });
  });

  describe('checkBodyText', () => {
    it('names the body field', () => {
      expect(run(checkBodyText, { body: { a: [{ b: '\ud800' }] } })).toMatchObject({
        field: 'a.0.b',
        code: 'invalid_utf8',
      });
      expect(run(checkBodyText, { body: { a: 'fine' } })).toBeUndefined();
      expect(run(checkBodyText, { body: Buffer.from([0, 0xff]) })).toBeUndefined();
    });
  });

  describe('keepBodyErrorType', () => {
    it("passes body-parser's JSON SyntaxError on as a plain error that keeps its type", () => {
      const syntax = Object.assign(new SyntaxError('Unexpected end of JSON input'), {
        status: 400,
        type: 'entity.parse.failed',
      });
      const next = jest.fn();
      keepBodyErrorType(syntax, {} as Request, {} as Response, next);
      const passed = next.mock.calls[0][0] as Error;
      expect(passed).not.toBeInstanceOf(SyntaxError);
      expect(passed).toMatchObject({
        message: 'Unexpected end of JSON input',
        status: 400,
        expose: true,
        type: 'entity.parse.failed',
      });
      const other = new Error('other');
      keepBodyErrorType(other, {} as Request, {} as Response, next);
      expect(next.mock.calls[1][0]).toBe(other);
    });
  });
});
