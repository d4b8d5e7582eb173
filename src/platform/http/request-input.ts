import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { isUtf8 } from 'node:buffer';
import { InvalidInputError } from '../errors/domain-errors';
import {
  bodyProblem,
  describeTextProblem,
  FieldTextProblem,
  formProblem,
  jsonDeeperThan,
  MAX_JSON_DEPTH,
  pathProblem,
} from './text-input';

/** Largest JSON body (413 beyond), after decompression. */
export const JSON_BODY_LIMIT = 1024 * 1024;
/** Largest form body (413 beyond), after decompression. */
export const FORM_BODY_LIMIT = 100 * 1024;

/**
 * What every request passes before a controller sees it (registered by configureHttpApp, so the
 * tests run the same): its path and query string are clean text; JSON and form bodies are read
 * by body-parser (gzip, deflate and br inflated; other encodings and non-UTF-8 charsets 415; size
 * 413; JSON nested deeper than MAX_JSON_DEPTH 400 before it is parsed); and the parsed body's
 * strings are clean text. Refusals are errors the global filter answers.
 */
export function useRequestInputChecks(app: NestExpressApplication): void {
  app.use(checkUrlText);
  // Nest replaces `verify` with its own when the app is created with `rawBody: true`; these
  // checks depend on it, so that option must stay off (it is: nothing here needs the raw bytes).
  app.useBodyParser('json', {
    limit: JSON_BODY_LIMIT,
    inflate: true,
    verify: verifyJsonBody,
  });
  app.useBodyParser('urlencoded', {
    extended: false,
    limit: FORM_BODY_LIMIT,
    inflate: true,
    verify: verifyFormBody,
  });
  app.use(keepBodyErrorType);
  app.use(checkBodyText);
}

function textError(found: FieldTextProblem): InvalidInputError {
  return new InvalidInputError(describeTextProblem(found), found.field, found.problem);
}

/** Path segments and query values must decode to UTF-8 without NUL (PostgreSQL takes neither). */
export const checkUrlText: RequestHandler = (req, _res, next) => {
  const url = req.url;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const inPath = pathProblem(path);
  if (inPath) {
    const segments = path.split('/');
    const field = routeParamAt(req, segments, inPath.index) ?? 'path';
    next(textError({ field, problem: inPath.problem }));
    return;
  }
  const inQuery = q < 0 ? null : formProblem(url.slice(q + 1));
  next(inQuery ? textError(inQuery) : undefined);
};

interface RouteLayer {
  route?: { path?: unknown; methods?: Record<string, boolean> };
}

/**
 * The name of the route parameter at this path segment (`idOrKey` in /v1/topics/:idOrKey), found
 * in Express's route table, since routing has not happened yet (and would fail on bad bytes).
 */
function routeParamAt(req: Request, segments: string[], index: number): string | undefined {
  const stack = (req.app as { router?: { stack?: RouteLayer[] } }).router?.stack ?? [];
  const wanted = segments.at(-1) === '' && segments.length > 2 ? segments.slice(0, -1) : segments;
  let other: string | undefined;
  for (const layer of stack) {
    const path = layer.route?.path;
    if (typeof path !== 'string' || /[*{}()]/.test(path)) continue;
    const parts = path.split('/');
    if (parts.length !== wanted.length || !parts[index]?.startsWith(':')) continue;
    const fits = parts.every(
      (p, i) => i === index || p.startsWith(':') || p.toLowerCase() === wanted[i].toLowerCase(),
    );
    if (!fits) continue;
    const name = parts[index].slice(1);
    if (layer.route?.methods?.[req.method.toLowerCase()]) return name;
    other ??= name;
  }
  return other;
}

/** Requests whose JSON body was not UTF-8: the U+FFFD the decoder left marks the bad field. */
const notUtf8 = new WeakSet<Request>();

/** Called by body-parser with the (inflated) bytes of a JSON body, before it is parsed. */
function verifyJsonBody(req: Request, _res: Response, body: Buffer, encoding: string): void {
  if (encoding !== 'utf-8' && encoding !== 'utf8') {
    // JSON between systems is UTF-8 (RFC 8259 8.1); body-parser alone would also take UTF-16/32.
    throw Object.assign(new Error(`unsupported charset "${encoding.toUpperCase()}"`), {
      status: 415,
      expose: true,
      type: 'charset.unsupported',
      charset: encoding,
    });
  }
  if (jsonDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new InvalidInputError(
      `The JSON body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep`,
      'body',
      'too_deep',
    );
  }
  if (!isUtf8(body)) notUtf8.add(req);
  if (rawJsonPrefixes.some((prefix) => req.originalUrl.startsWith(prefix)))
    rawBodies.set(req, body);
}

/** Path prefixes whose JSON bodies are also kept as bytes (see keepRawJsonBody). */
const rawJsonPrefixes: string[] = [];
const rawBodies = new WeakMap<Request, Buffer>();

/**
 * Keeps the exact bytes of JSON bodies under this path prefix, for routes that verify a signature
 * over them (a sending service's signed webhook): re-serialising the parsed body would not give
 * the signed bytes back. Called by the module that owns the route when it is set up.
 */
export function keepRawJsonBody(pathPrefix: string): void {
  if (!rawJsonPrefixes.includes(pathPrefix)) rawJsonPrefixes.push(pathPrefix);
}

/** The bytes of a JSON body kept by keepRawJsonBody (after inflating), if any. */
export function rawJsonBody(req: Request): Buffer | undefined {
  return rawBodies.get(req);
}

/** Called by body-parser with the bytes of a form body; its values are percent-encoded. */
function verifyFormBody(_req: Request, _res: Response, body: Buffer): void {
  const found = formProblem(body.toString('latin1'));
  if (found) throw textError(found);
}

/**
 * Nest turns any SyntaxError from middleware into a bare BadRequestException, dropping
 * body-parser's `type`; passing it on as a plain error lets the filter answer malformed JSON like
 * every other body error (`code: invalid_json`, `field: body`).
 */
export const keepBodyErrorType: ErrorRequestHandler = (
  err: unknown,
  _req: Request,
  _res: Response,
  next: NextFunction,
) => {
  if (err instanceof SyntaxError && (err as { type?: string }).type === 'entity.parse.failed') {
    next(
      Object.assign(new Error(err.message), {
        status: 400,
        expose: true,
        type: 'entity.parse.failed',
      }),
    );
    return;
  }
  next(err);
};

/** Every string (and key) of a parsed JSON or form body is clean text. */
export const checkBodyText: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  const found =
    typeof body === 'object' && body !== null ? bodyProblem(body, notUtf8.has(req)) : null;
  next(found ? textError(found) : undefined);
};
