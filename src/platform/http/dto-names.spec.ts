import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every .ts file under a folder (tests excluded). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * @nestjs/swagger names a schema after its class: two DTO classes of one name share one schema in
 * docs/openapi.json, and one of the two routes is documented with the other's shape (this hid the
 * content-item preview behind the template preview, and earlier `byTopic` of the summary report).
 */
describe('DTO class names', () => {
  it('are unique across src/', () => {
    const seen = new Map<string, string[]>();
    for (const file of sources(join(__dirname, '..', '..'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/^export class (\w+Dto)\b/gm)) {
        seen.set(m[1], [...(seen.get(m[1]) ?? []), file.slice(file.indexOf('src/'))]);
      }
    }
    const twice = [...seen]
      .filter(([, files]) => files.length > 1)
      .map(([n, f]) => `${n}: ${f.join(', ')}`);
    expect(seen.size).toBeGreaterThan(50);
    expect(twice).toEqual([]);
  });
});
