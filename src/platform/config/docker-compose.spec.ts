import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { validateEnvironment } from './environment';

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number | boolean | null> | string[];
}

/**
 * Compose's variable substitution (`$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?message}`, `${VAR?message}`, `${VAR:+other}`, nested in defaults), so the test sees
 * what `docker compose up` would pass. `used` collects every variable read and whether it had a
 * fallback.
 */
function interpolate(
  text: string,
  shell: Record<string, string>,
  used: Map<string, { required: boolean }>,
): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    if (text[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (text[i + 1] !== '{') {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
      if (!name) throw new Error(`a bare $ in "${text}" (write $$)`);
      noteUse(used, name, true);
      out += shell[name] ?? '';
      i += 1 + name.length;
      continue;
    }
    // Find the matching brace (defaults may hold ${...} themselves).
    let depth = 1;
    let j = i + 2;
    for (; j < text.length && depth; j++) {
      if (text[j] === '{') depth++;
      if (text[j] === '}') depth--;
    }
    if (depth) throw new Error(`unclosed \${ in "${text}"`);
    const inner = text.slice(i + 2, j - 1);
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(inner);
    if (!m) throw new Error(`cannot read \${${inner}}`);
    const [, name, op, rest = ''] = m;
    const value = shell[name];
    const set = op?.startsWith(':') ? !!value : value !== undefined;
    noteUse(used, name, !op || op.endsWith('?'));
    if (!op) out += value ?? '';
    else if (op.endsWith('-')) out += set ? value : interpolate(rest, shell, used);
    else if (op.endsWith('+')) out += set ? interpolate(rest, shell, used) : '';
    else if (set) out += value;
    else throw new Error(`${name}: ${interpolate(rest, shell, used)}`);
    i = j;
  }
  return out;
}

function noteUse(used: Map<string, { required: boolean }>, name: string, required: boolean) {
  used.set(name, { required: required || !!used.get(name)?.required });
}

/** The ENV of the Dockerfile's last stage (the runtime image). */
function imageEnvironment(dockerfile: string): Record<string, string> {
  const stages = dockerfile.replace(/\\\n/g, ' ').split(/^FROM /m);
  const env: Record<string, string> = {};
  for (const line of stages[stages.length - 1].split('\n')) {
    if (!line.startsWith('ENV ')) continue;
    for (const [, key, value] of line.slice(4).matchAll(/([A-Z_][A-Z0-9_]*)=(\S*)/g)) {
      env[key] = value;
    }
  }
  return env;
}

/** What compose passes to a service: the image's ENV overridden by the service's environment. */
function serviceEnvironment(
  service: ComposeService,
  image: Record<string, string>,
  shell: Record<string, string>,
  used: Map<string, { required: boolean }>,
): Record<string, string> {
  const env = { ...image };
  const entries = Array.isArray(service.environment)
    ? service.environment.map((e) => e.split(/=(.*)/s).slice(0, 2))
    : Object.entries(service.environment ?? {});
  for (const [key, raw] of entries) {
    if (raw === null || raw === undefined) continue;
    env[key] = interpolate(String(raw), shell, used);
  }
  return env;
}

/** Values an operator would give for the variables the compose file asks them for. */
const OPERATOR_VALUES: Record<string, string> = {
  SECRET_KEY: 'k'.repeat(44),
  POSTAL_ADDRESS: 'Keizersgracht 100, 1015 CR Amsterdam, The Netherlands',
};

describe('docker/compose.yaml', () => {
  // Compose resolves `<<: *tidings` merge keys, which YAML 1.2's core schema leaves out.
  const compose = load(read('docker/compose.yaml'), {
    schema: CORE_SCHEMA.withTags(mergeTag),
  }) as { services: Record<string, ComposeService> };
  const image = imageEnvironment(read('docker/Dockerfile'));
  const tidings = Object.entries(compose.services).filter(([, s]) => s.image === 'tidings:local');
  const required = () => {
    const used = new Map<string, { required: boolean }>();
    for (const [, service] of tidings) serviceEnvironment(service, image, OPERATOR_VALUES, used);
    return [...used].filter(([, u]) => u.required).map(([name]) => name);
  };

  it('runs the Tidings image in production mode', () => {
    expect(tidings.map(([name]) => name).sort()).toEqual(['tidings', 'tidings-worker']);
    expect(image.NODE_ENV).toBe('production');
  });

  it.each(['tidings', 'tidings-worker'])(
    'gives %s everything the production configuration requires, once the operator sets what it asks for',
    (name) => {
      const used = new Map<string, { required: boolean }>();
      const env = serviceEnvironment(compose.services[name], image, OPERATOR_VALUES, used);
      expect(() => validateEnvironment(env)).not.toThrow();
      expect(env.NODE_ENV).toBe('production');
    },
  );

  it('asks the operator only for values it has a sample for, and refuses to start without each', () => {
    const asked = required();
    expect(asked.filter((v) => !(v in OPERATOR_VALUES))).toEqual([]);
    for (const variable of Object.keys(OPERATOR_VALUES)) {
      const without = { ...OPERATOR_VALUES };
      delete without[variable];
      // Either compose itself refuses (`${VAR:?message}`), or Tidings does, naming the variable.
      const problem = (): string => {
        try {
          const env = serviceEnvironment(compose.services.tidings, image, without, new Map());
          validateEnvironment(env);
        } catch (err) {
          return (err as Error).message;
        }
        return 'started';
      };
      expect(problem()).toContain(variable);
    }
  });

  it('names every value it asks for in its own instructions and in docs/operations.md', () => {
    const header = read('docker/compose.yaml').split('\nname:')[0];
    const ops = read('docs/operations.md');
    const docker = ops.slice(ops.indexOf('## Docker'));
    for (const variable of required()) {
      expect(header).toMatch(new RegExp(`export ${variable}=`));
      expect(docker).toMatch(new RegExp(`export ${variable}=`));
    }
  });
});
