import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentVariables } from './environment';

/** The README's configuration table must name every variable Tidings reads, and no others. */
describe('README configuration table', () => {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('## API overview'),
  );
  // Names in the first cell of each table row (a cell may list several: `A`, `B`).
  const documented = new Set(
    section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1])),
  );

  it('documents every environment variable', () => {
    const variables = Object.keys(new EnvironmentVariables()).concat(
      // Optional variables have no default, so they are not own properties of a new instance.
      [
        ...readFileSync(join(__dirname, 'environment.ts'), 'utf8').matchAll(
          /^ {2}([A-Z][A-Z0-9_]+)\??[!]?[:=;]/gm,
        ),
      ].map((m) => m[1]),
    );
    const missing = [...new Set(variables)].filter((v) => !documented.has(v));
    expect(missing).toEqual([]);
  });

  it('documents no variable that does not exist', () => {
    const source = readFileSync(join(__dirname, 'environment.ts'), 'utf8');
    const unknown = [...documented].filter((v) => !new RegExp(`^ {2}${v}\\b`, 'm').test(source));
    expect(unknown).toEqual([]);
  });
});
