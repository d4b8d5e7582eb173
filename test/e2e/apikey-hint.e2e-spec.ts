import { ApiKeyDto } from '../../src/surfaces/api/api-key.dto';
import { ApiKeysService } from '../../src/surfaces/api/api-keys.service';
import { formatCreated } from '../../src/surfaces/cli/apikey-command';
import { Scope, SCOPES } from '../../src/platform/http/scopes';
import { createTestApp, TestApp } from '../support/test-app';

const ORIGIN = 'http://tidings.example:8080';

/**
 * `npm run apikey -- create` ends with an example call. Whatever the key's scopes, that call must
 * be one the key may make, on the configured public URL: run it against the real API.
 */
describe('The example call printed by apikey create', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ workers: false });
  });
  afterAll(() => t?.close());

  async function hintFor(scopes: Scope[]) {
    const { apiKey, key } = await t.app.get(ApiKeysService).create('hint', scopes);
    const text = formatCreated(ApiKeyDto.from(apiKey), key, ORIGIN);
    const curl = text.split('\n').find((l) => l.trim().startsWith('curl '));
    expect(curl).toBeDefined();
    const method = /-X (\w+)/.exec(curl!)?.[1] ?? 'GET';
    const url = new URL(/(https?:\/\/\S+)\s*$/.exec(curl!)![1]);
    return { key, method, url };
  }

  it.each(SCOPES.map((s) => [s]))('a key with only %s may make it', async (scope) => {
    const { key, method, url } = await hintFor([scope]);
    expect(url.origin).toBe(ORIGIN);
    const call =
      method === 'POST' ? t.http().post(url.pathname).send({}) : t.http().get(url.pathname);
    const res = await call.set('Authorization', `Bearer ${key}`);
    // Past the key check and onto a real route: 2xx, or 400 for the empty example body.
    expect([401, 403, 404]).not.toContain(res.status);
    if (method === 'GET') expect(res.status).toBe(200);
  });

  it('prefers a call that reads, when the key may read something', async () => {
    const { method, url } = await hintFor(['subscribers:write', 'reports:read']);
    expect(method).toBe('GET');
    expect(url.pathname).toMatch(/^\/v1\/reports\//);
  });
});
