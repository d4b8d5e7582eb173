import { Controller, Get, HttpCode, INestApplication, Post, Query } from '@nestjs/common';
import {
  ApiExcludeController,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
} from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { ApiErrors } from '../../src/platform/http/api-errors';
import { createOpenApiDocument } from '../../src/platform/http/openapi';
import { ContractViolation, OpenApiContract } from '../support/openapi-contract';
import { checkedByContract, createTestApp, TestApp } from '../support/test-app';

const COMMITTED = join(__dirname, '..', '..', 'docs', 'openapi.json');

describe('The OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ workers: false });
  });
  afterAll(() => t.close());

  it('is committed as docs/openapi.json exactly as the application serves it (else: npm run openapi)', async () => {
    const served = await t.http().get('/docs/openapi.json').expect(200);
    const committed: unknown = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    expect(committed).toEqual(served.body);
  });

  it('describes every error answer of a /v1 operation with the one ErrorResponse schema', async () => {
    const { body: doc } = await t.http().get('/docs/openapi.json').expect(200);
    const refused: string[] = [];
    for (const [path, item] of Object.entries<Record<string, OperationLike>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries(op.responses)) {
          const schema = response.content?.['application/json']?.schema?.$ref;
          if (
            path.startsWith('/v1/') &&
            Number(status) >= 400 &&
            schema !== '#/components/schemas/ErrorResponse'
          )
            refused.push(`${method.toUpperCase()} ${path} ${status}`);
        }
        if (
          path.startsWith('/v1/') &&
          !op.responses['400'] &&
          (op.parameters?.length || op.requestBody)
        )
          refused.push(`${method.toUpperCase()} ${path}: no 400`);
      }
    }
    expect(refused).toEqual([]);
    expect(doc.servers).toEqual([{ url: '/', description: 'This Tidings installation' }]);
    expect(doc.components.securitySchemes.bearer).not.toHaveProperty('bearerFormat', 'JWT');
  });
});

interface OperationLike {
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

class ProbeDto {
  @ApiProperty() name!: string;
  @ApiPropertyOptional({ type: 'integer' }) count?: number;
}

/** A controller whose answers the test chooses, documented only for some of them. */
@Controller('v1/probe')
class ProbeController {
  @Get()
  @ApiOkResponse({ type: ProbeDto })
  @ApiErrors(404)
  get(@Query('answer') answer?: string): unknown {
    if (answer === 'extra-field') return { name: 'x', secret: 'not in the document' };
    if (answer === 'wrong-type') return { name: 'x', count: 'three' };
    if (answer === 'missing-field') return { count: 3 };
    return { name: 'x', count: 3 };
  }

  @Post()
  @HttpCode(418)
  @ApiOkResponse({ type: ProbeDto })
  teapot(): ProbeDto {
    return { name: 'x' };
  }
}

@ApiExcludeController()
@Controller('v1/undocumented')
class UndocumentedController {
  @Get()
  get(): string {
    return 'works';
  }
}

describe(OpenApiContract.name, () => {
  let app: INestApplication;
  let http: () => ReturnType<typeof request>;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [ProbeController, UndocumentedController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const contract = new OpenApiContract(createOpenApiDocument(app));
    http = () => checkedByContract(request(app.getHttpServer()), contract);
  });
  afterAll(() => app.close());

  it('passes a documented status with a documented body', async () => {
    await http().get('/v1/probe').expect(200, { name: 'x', count: 3 });
  });

  it('fails a request that received an undocumented status', async () => {
    await expect(http().post('/v1/probe')).rejects.toThrow(ContractViolation);
    await expect(http().post('/v1/probe')).rejects.toThrow(
      'POST /v1/probe answered 418, which POST /v1/probe does not document',
    );
  });

  it('fails a body with a property the schema does not name, a wrong type or a missing field', async () => {
    await expect(http().get('/v1/probe?answer=extra-field')).rejects.toThrow(
      /must NOT have additional properties.*secret/,
    );
    await expect(http().get('/v1/probe?answer=wrong-type')).rejects.toThrow(
      /\/count must be integer/,
    );
    await expect(http().get('/v1/probe?answer=missing-field')).rejects.toThrow(
      /must have required property 'name'/,
    );
  });

  it('fails an operation that works without being documented, and lets unknown routes 404', async () => {
    await expect(http().get('/v1/undocumented')).rejects.toThrow(
      'GET /v1/undocumented answered 200, but no such operation is documented',
    );
    await http().get('/v1/nowhere').expect(404);
  });
});
