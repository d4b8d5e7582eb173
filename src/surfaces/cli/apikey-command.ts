import { parseArgs } from 'node:util';
import { ApiKeyDto } from '../api/api-key.dto';
import { isScope, Scope, SCOPES } from '../../platform/http/scopes';

/** A mistake in what the user typed: shown as a message with the valid choices, exit code 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const COMMANDS = ['create', 'list', 'revoke'] as const;

export type ApiKeyCommand =
  | { command: 'help' }
  | { command: 'create'; name: string; scopes: Scope[]; json: boolean }
  | { command: 'list'; json: boolean }
  | { command: 'revoke'; id: string; json: boolean };

const NAME_MAX = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const USAGE = `Manage Tidings API keys.

Usage:
  npm run apikey -- create --name NAME --scopes SCOPE[,SCOPE...] [--json]
  npm run apikey -- list [--json]
  npm run apikey -- revoke ID [--json]
  npm run apikey -- --help

Commands:
  create   Create a key. The key is printed once; Tidings keeps only its hash.
  list     List keys: id, name, prefix, scopes, dates. Never prints a key.
  revoke   Revoke a key by its id (see list). Requests with it then get 401.

Scopes: ${SCOPES.join(', ')}
  (admin grants every scope)

The tool uses the same database as the server: DATABASE_URL when set, otherwise the embedded
database under DATA_DIR (default ./data), also while a server is running on it.
`;

const validScopes = () => `Valid scopes: ${SCOPES.join(', ')}.`;
const validCommands = () => `Commands: ${COMMANDS.join(', ')}.`;

/** Turns the command line into a command, or throws a UsageError naming what is wrong. */
export function parseApiKeyCommand(argv: string[]): ApiKeyCommand {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (err) {
    throw new UsageError(describeParseError(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };

  const [given, ...rest] = positionals;
  if (given === 'help') return { command: 'help' };
  if (!given) throw new UsageError(`Missing command. ${validCommands()}`);
  if (!isCommand(given)) throw new UsageError(`Unknown command "${given}". ${validCommands()}`);
  const command = given;
  const json = values.json ?? false;
  const refuse = (option: string) => {
    throw new UsageError(`${command} does not take ${option}.`);
  };

  if (command === 'create') {
    if (rest.length) {
      throw new UsageError(
        `create takes no positional arguments (got "${rest.join(' ')}"). Use --name and --scopes.`,
      );
    }
    return { command, name: parseName(values.name), scopes: parseScopes(values.scopes), json };
  }

  if (values.name !== undefined) refuse('--name');
  if (values.scopes !== undefined) refuse('--scopes');
  if (command === 'list') {
    if (rest.length) throw new UsageError(`list takes no arguments (got "${rest.join(' ')}").`);
    return { command, json };
  }

  if (rest.length !== 1) {
    throw new UsageError(
      rest.length
        ? `revoke takes exactly one key id (got ${rest.length}).`
        : 'revoke needs the id of the key to revoke: npm run apikey -- revoke ID (ids are listed by `npm run apikey -- list`).',
    );
  }
  const id = rest[0].trim();
  if (!UUID.test(id)) {
    throw new UsageError(
      `"${id}" is not an API key id: ids are UUIDs, as listed by \`npm run apikey -- list\`.`,
    );
  }
  return { command, id: id.toLowerCase(), json };
}

function isCommand(value: string): value is (typeof COMMANDS)[number] {
  return (COMMANDS as readonly string[]).includes(value);
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function describeParseError(err: unknown): string {
  const { code, message } = err as NodeJS.ErrnoException;
  const option = /'(-[^' ]*)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return `Unknown option ${option ?? message}. Options: --name, --scopes, --json, --help.`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (option === '--json' || option === '--help') return `${option} takes no value.`;
    return `${option ?? 'An option'} needs a value${option === '--scopes' ? `. ${validScopes()}` : '.'}`;
  }
  return message;
}

function parseName(raw: string | undefined): string {
  const name = raw?.trim();
  if (!name) {
    throw new UsageError(
      'create needs --name NAME: a label that says who or what uses the key (e.g. --name crm-sync).',
    );
  }
  if (name.length > NAME_MAX) {
    throw new UsageError(`--name is ${name.length} characters long; at most ${NAME_MAX} allowed.`);
  }
  return name;
}

function parseScopes(raw: string | undefined): Scope[] {
  const scopes = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!scopes.length) {
    throw new UsageError(
      `create needs --scopes with one or more comma-separated scopes. ${validScopes()}`,
    );
  }
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length) {
    const list = unknown.map((s) => `"${s}"`).join(', ');
    throw new UsageError(
      `Unknown scope${unknown.length > 1 ? 's' : ''} ${list} in --scopes. ${validScopes()}`,
    );
  }
  return [...new Set(scopes as Scope[])];
}

const time = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '-');

/** The list as an aligned text table. The secret is never part of an ApiKeyDto. */
export function formatKeyTable(keys: ApiKeyDto[]): string {
  if (!keys.length) {
    return 'No API keys yet. Create one with: npm run apikey -- create --name NAME --scopes admin\n';
  }
  const header = ['ID', 'NAME', 'PREFIX', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'];
  const rows = keys.map((k) => [
    k.id,
    k.name,
    k.prefix,
    k.scopes.join(','),
    time(k.createdAt),
    time(k.lastUsedAt),
    time(k.revokedAt),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line), '', 'Times are UTC.', ''].join('\n');
}

interface ExampleCall {
  method: 'GET' | 'POST';
  path: string;
}

/**
 * For each scope, a call a key holding only that scope may make (test/e2e/apikey-hint checks
 * every one against the API). Typed by Scope, so a new scope needs its example here.
 */
const EXAMPLE_CALLS: Record<Scope, ExampleCall> = {
  admin: { method: 'GET', path: '/v1/topics' },
  'topics:read': { method: 'GET', path: '/v1/topics' },
  'topics:write': { method: 'POST', path: '/v1/topics' },
  'subscribers:read': { method: 'GET', path: '/v1/subscribers' },
  'subscribers:write': { method: 'POST', path: '/v1/subscribers' },
  'templates:read': { method: 'GET', path: '/v1/templates' },
  'templates:write': { method: 'POST', path: '/v1/templates/welcome/test-send' },
  'messages:read': { method: 'GET', path: '/v1/messages' },
  'reports:read': { method: 'GET', path: '/v1/reports/summary' },
  'lifecycle:read': { method: 'GET', path: '/v1/lifecycle-rules' },
  'lifecycle:write': { method: 'POST', path: '/v1/lifecycle-rules' },
  'events:write': { method: 'POST', path: '/v1/events' },
  'content:read': { method: 'GET', path: '/v1/content-items' },
  'content:write': { method: 'POST', path: '/v1/content-items' },
  'campaigns:read': { method: 'GET', path: '/v1/campaigns' },
  'campaigns:write': { method: 'POST', path: '/v1/campaigns' },
  'sends:write': { method: 'POST', path: '/v1/sends' },
  'webhooks:read': { method: 'GET', path: '/v1/webhook-endpoints' },
  'webhooks:write': { method: 'POST', path: '/v1/webhook-endpoints' },
  'purposes:read': { method: 'GET', path: '/v1/data-purposes' },
  'purposes:write': { method: 'POST', path: '/v1/data-purposes' },
};

/** A call the key may make: one that only reads when it may read something. */
export function exampleCall(scopes: readonly string[]): ExampleCall {
  const calls = scopes.filter(isScope).map((s) => EXAMPLE_CALLS[s]);
  return calls.find((c) => c.method === 'GET') ?? calls[0] ?? EXAMPLE_CALLS.admin;
}

/** What `create` prints: the key once, and an example call it may make on the server's URL. */
export function formatCreated(key: ApiKeyDto, secret: string, publicUrl: string): string {
  const call = exampleCall(key.scopes);
  const auth = '-H "Authorization: Bearer <key>"';
  const example =
    call.method === 'GET'
      ? [`Send it as a bearer token, for example:`, `  curl ${auth} ${publicUrl}${call.path}`]
      : [
          `Send it as a bearer token, for example (request bodies: ${publicUrl}/docs):`,
          `  curl -X POST ${auth} -H "Content-Type: application/json" -d @body.json ${publicUrl}${call.path}`,
        ];
  return [
    `Created API key "${key.name}".`,
    '',
    `  id:      ${key.id}`,
    `  name:    ${key.name}`,
    `  scopes:  ${key.scopes.join(', ')}`,
    `  key:     ${secret}`,
    '',
    'The key is shown only this once: store it now (Tidings keeps only its hash).',
    ...example,
    `Revoke it with: npm run apikey -- revoke ${key.id}`,
    '',
  ].join('\n');
}

export function formatRevoked(key: ApiKeyDto, alreadyRevoked: boolean): string {
  const what = `API key ${key.id} ("${key.name}", ${key.prefix}...)`;
  return alreadyRevoked
    ? `${what} was already revoked at ${time(key.revokedAt)} UTC. Nothing changed.\n`
    : `Revoked ${what}. Requests with it now get 401 Unauthorized.\n`;
}
