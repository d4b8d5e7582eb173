/**
 * Holds every response a test receives from `/v1` (and from the documented public operations,
 * `POST /subscribe`, `GET /confirm/{token}`, `/health`, `/metrics`) to the OpenAPI document the
 * application serves: the status must be documented for its operation, its content type listed,
 * and a JSON body must match that status's schema, with no property the schema does not name.
 * A `/v1` route that works without being documented fails too. A test that receives an
 * undocumented answer fails with the difference, so the document cannot drift from the server.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';

/** Where an operation that is not in the document fails too (elsewhere only documented ones are checked). */
const API = /^\/v1(\/|$)/;

type Json = Record<string, unknown>;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

export class OpenApiContract {
  private readonly ajv: Ajv;
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(document: OpenAPIObject) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    this.ajv.addSchema({ $id: SCHEMAS_ID, components: closeObjects(document.components ?? {}) });
    for (const [template, item] of Object.entries(document.paths)) {
      const pattern = new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}|\{[^}]+\}/g, '[^/]+')}$`,
      );
      for (const method of ['get', 'post', 'put', 'patch', 'delete', 'head']) {
        const op = (item as Record<string, { responses?: Operation['responses'] }>)[method];
        if (op) this.operations.push({ method, template, pattern, responses: op.responses ?? {} });
      }
    }
  }

  /** Throws a ContractViolation when this answer to `method url` is not what the document says. */
  check(method: string, url: string, res: Pick<Response, 'status' | 'headers' | 'body'>): void {
    const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split('?')[0];
    const where = `${method.toUpperCase()} ${path} answered ${res.status}`;
    const op = this.find(method.toLowerCase(), path);
    if (!op && !API.test(path)) return;
    if (!op) {
      // Unknown routes answer 404 (and a known path with another method 404 too): only an
      // operation that works without being documented is a violation.
      if (res.status < 400)
        throw new ContractViolation(`${where}, but no such operation is documented`);
      return;
    }
    const key = String(res.status);
    const documented = op.responses[key] ?? op.responses[`${key[0]}XX`] ?? op.responses.default;
    if (!documented) {
      throw new ContractViolation(
        `${where}, which ${op.method.toUpperCase()} ${op.template} does not document ` +
          `(documented: ${Object.keys(op.responses).join(', ')}); body: ${preview(res.body)}`,
      );
    }
    const type = String(res.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    const content = documented.content;
    if (!content || !type) {
      if (type && res.status !== 204 && hasBody(res))
        throw new ContractViolation(`${where} with a ${type} body, but the document gives none`);
      return;
    }
    const media = content[type] ?? content[`${type.split('/')[0]}/*`] ?? content['*/*'];
    if (!media) {
      throw new ContractViolation(
        `${where} with ${type}, but the document gives only ${Object.keys(content).join(', ')}`,
      );
    }
    if (!media.schema || type !== 'application/json') return;
    const validate = this.validator(`${op.method} ${op.template} ${key} ${type}`, media.schema);
    if (!validate(res.body)) {
      const errors = (validate.errors ?? [])
        .map((e) => `  ${e.instancePath || '(body)'} ${e.message ?? ''} ${paramsOf(e.params)}`)
        .join('\n');
      throw new ContractViolation(
        `${where}; the body does not match the documented schema of ${op.method.toUpperCase()} ` +
          `${op.template} ${key}:\n${errors}\nbody: ${preview(res.body)}`,
      );
    }
  }

  private find(method: string, path: string): Operation | undefined {
    const candidates = this.operations.filter((o) => o.method === method && o.pattern.test(path));
    // A literal segment wins over a parameter (/v1/subscribers/import over /v1/subscribers/{id}).
    return candidates.sort((a, b) => literalLength(b.template) - literalLength(a.template))[0];
  }

  private validator(key: string, schema: Json): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(closeObjects(schema) as Json);
      this.validators.set(key, validate);
    }
    return validate;
  }
}

const SCHEMAS_ID = 'tidings-openapi';

/**
 * A copy of a schema in which references point into the document's components and objects
 * admit only the properties they name (unless they say otherwise), so an undocumented field in a
 * response is caught as surely as a missing one.
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/')) out[k] = `${SCHEMAS_ID}${v}`;
    else if (k === 'example' || k === 'examples') out[k] = v;
    else out[k] = closeObjects(v);
  }
  if (out.properties && typeof out.properties === 'object' && !('additionalProperties' in out)) {
    out.additionalProperties = false;
  }
  // OpenAPI 3.0's `nullable` also admits null next to a `$ref` (`allOf: [{ $ref }]`), as
  // generated clients read it; JSON Schema needs it spelled out.
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [{ type: 'null' }, out] };
  }
  return out;
}

function literalLength(template: string): number {
  return template.replace(/\{[^}]+\}/g, '').length;
}

function hasBody(res: Pick<Response, 'body'>): boolean {
  const body: unknown = res.body;
  return (
    body !== undefined && body !== null && !(typeof body === 'object' && !Object.keys(body).length)
  );
}

function paramsOf(params: unknown): string {
  return params && typeof params === 'object' && Object.keys(params).length
    ? JSON.stringify(params)
    : '';
}

function preview(body: unknown): string {
  const text = JSON.stringify(body) ?? String(body);
  return text.length > 600 ? `${text.slice(0, 600)}...` : text;
}
