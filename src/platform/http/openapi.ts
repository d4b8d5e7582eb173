import { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  type OpenAPIObject,
  type OperationObject,
  type ResponsesObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { DEFAULT_DESCRIPTIONS, ErrorResponse } from './api-errors';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * The OpenAPI document of the application's routes, as served at /docs/openapi.json and
 * committed as docs/openapi.json (`npm run openapi`; see docs/api-contract.md).
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tidings API')
      .setDescription(
        'The marketer and integration API of Tidings, the email preference and lifecycle engine. ' +
          'Authenticate with `Authorization: Bearer <API key>`. Every error answers with one ' +
          'body, `ErrorResponse`.',
      )
      .setVersion('1')
      // Relative: the document is served by the installation it describes.
      .addServer('/', 'This Tidings installation')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'tdg_<prefix>_<secret>',
        description:
          'An API key (`tdg_<prefix>_<secret>`, made with `npm run apikey -- create`), not a JWT',
      })
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          description:
            'The secret of a report webhook (`BOUNCE_WEBHOOK_SECRET`, `COMPLAINT_WEBHOOK_SECRET`)',
        },
        'webhookSecret',
      )
      .build(),
    { extraModels: [ErrorResponse] },
  );
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) completeOperation(path, operation);
    }
  }
  return document;
}

/**
 * Adds what every operation answers because of the global HTTP wiring rather than its controller:
 * public routes need no key; a path parameter, query or body can be refused with 400 before a
 * controller runs (NUL or invalid UTF-8, validation); a body with 413 or 415 (request-input.ts);
 * a `/v1` operation with 503 while the database is briefly unreachable (http-exception.filter.ts).
 */
function completeOperation(path: string, operation: OperationObject): void {
  operation.security ??= [];
  const responses = operation.responses;
  if (operation.parameters?.length || operation.requestBody) addError(responses, 400);
  if (operation.requestBody) {
    addError(responses, 413);
    addError(responses, 415);
  }
  if (path.startsWith('/v1/')) addError(responses, 503);
  operation.responses = Object.fromEntries(
    Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)),
  );
}

function addError(responses: ResponsesObject, status: number): void {
  responses[status] ??= {
    description: DEFAULT_DESCRIPTIONS[status] ?? 'Error',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
  };
}
