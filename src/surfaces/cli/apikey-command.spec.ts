import { ApiKeyDto } from '../api/api-key.dto';
import { SCOPES } from '../../platform/http/scopes';
import { formatKeyTable, parseApiKeyCommand, UsageError } from './apikey-command';

const parse = (line: string) => parseApiKeyCommand(line.split(' ').filter(Boolean));
const problem = (line: string): string => {
  try {
    parse(line);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`"${line}" was accepted`);
};

describe(parseApiKeyCommand.name, () => {
  it('parses create with trimmed, de-duplicated scopes', () => {
    expect(parse('create --name crm --scopes topics:read,,admin,topics:read')).toEqual({
      command: 'create',
      name: 'crm',
      scopes: ['topics:read', 'admin'],
      json: false,
    });
    expect(parseApiKeyCommand(['create', '--name=  two words ', '--scopes', 'admin'])).toEqual(
      expect.objectContaining({ name: 'two words' }),
    );
  });

  it('parses list, revoke and help', () => {
    expect(parse('list --json')).toEqual({ command: 'list', json: true });
    const id = '3F2504E0-4F89-11D3-9A0C-0305E82C3301';
    expect(parse(`revoke ${id}`)).toEqual({ command: 'revoke', id: id.toLowerCase(), json: false });
    expect(parse('--help')).toEqual({ command: 'help' });
    expect(parse('create -h')).toEqual({ command: 'help' });
    expect(parse('help')).toEqual({ command: 'help' });
  });

  it('names every valid scope when one is unknown', () => {
    const message = problem('create --name x --scopes topics:read,topic:write');
    expect(message).toContain('"topic:write"');
    expect(message).not.toContain('"topics:read"');
    for (const scope of SCOPES) expect(message).toContain(scope);
  });

  it.each([
    ['', 'Missing command. Commands: create, list, revoke.'],
    ['remove', 'Unknown command "remove". Commands: create, list, revoke.'],
    ['create --scopes admin', 'create needs --name NAME'],
    ['create --name x', 'create needs --scopes'],
    ['create --name x --scopes', '--scopes needs a value. Valid scopes: admin'],
    ['create --name x --scopes admin extra', 'create takes no positional arguments'],
    ['create --nam x', 'Unknown option --nam. Options: --name, --scopes, --json, --help.'],
    ['list --scopes admin', 'list does not take --scopes.'],
    ['revoke', 'revoke needs the id of the key to revoke'],
    ['revoke 42', '"42" is not an API key id'],
    ['revoke a b', 'revoke takes exactly one key id (got 2).'],
  ])('refuses "%s"', (line, expected) => {
    expect(problem(line)).toContain(expected);
  });

  it('refuses a name longer than the API allows', () => {
    expect(problem(`create --name ${'n'.repeat(101)} --scopes admin`)).toContain('at most 100');
  });
});

describe(formatKeyTable.name, () => {
  it('aligns one row per key with dates in UTC and no secret', () => {
    const keys: ApiKeyDto[] = [
      {
        id: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
        name: 'first-run admin',
        prefix: 'tdg_0123456789ab_',
        scopes: ['admin'],
        createdAt: new Date('2026-01-02T03:04:05Z'),
        lastUsedAt: null,
        revokedAt: null,
      },
      {
        id: '9b2cd3e0-4f89-11d3-9a0c-0305e82c3301',
        name: 'ci',
        prefix: 'tdg_ba9876543210_',
        scopes: ['topics:read', 'subscribers:write'],
        createdAt: new Date('2026-01-03T00:00:00Z'),
        lastUsedAt: new Date('2026-01-04T10:20:30Z'),
        revokedAt: new Date('2026-01-05T11:00:00Z'),
      },
    ];
    const lines = formatKeyTable(keys).split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+PREFIX\s+SCOPES\s+CREATED\s+LAST USED\s+REVOKED$/);
    expect(lines[1]).toMatch(
      /^3f2504e0-\S+ {2}first-run admin {2}tdg_0123456789ab_ {2}admin\s+2026-01-02 03:04 {2}-\s+-$/,
    );
    expect(lines[2]).toContain(
      'topics:read,subscribers:write  2026-01-03 00:00  2026-01-04 10:20  2026-01-05 11:00',
    );
    // Columns line up: every row starts its NAME where the header does.
    const nameAt = lines[0].indexOf('NAME');
    expect(lines[1].indexOf('first-run admin')).toBe(nameAt);
    expect(lines[2].indexOf('ci ')).toBe(nameAt);
  });

  it('says how to create a key when there is none', () => {
    expect(formatKeyTable([])).toContain('npm run apikey -- create');
  });
});
