import { StartupError } from '../errors/startup-error';
import { databaseStartupError } from './database-check';

const URL = 'postgres://crm:hunter2@db.example:5432/tidings';
const failure = (code: string, message = code) => Object.assign(new Error(message), { code });

describe(databaseStartupError.name, () => {
  it.each([
    [
      'ECONNREFUSED',
      'Cannot reach PostgreSQL at DATABASE_URL=postgres://crm:***@db.example:5432/tidings (connection refused)',
    ],
    ['ENOTFOUND', 'the host name db.example does not resolve'],
    ['28P01', 'PostgreSQL refused the login of crm in DATABASE_URL='],
    ['3D000', 'The database "tidings" in DATABASE_URL='],
  ])('turns %s into one sentence naming DATABASE_URL, without the password', (code, expected) => {
    const err = databaseStartupError(failure(code), URL);
    expect(err).toBeInstanceOf(StartupError);
    expect(err.message).toContain(expected);
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toContain('\n');
  });

  it('reads the code of the first attempt when several addresses were tried', () => {
    const aggregate = Object.assign(
      new AggregateError([failure('ECONNREFUSED')], 'all failed'),
      {},
    );
    expect(databaseStartupError(aggregate, URL).message).toContain('connection refused');
  });

  it('passes other errors through unchanged', () => {
    const other = failure('42501', 'permission denied for schema public');
    expect(databaseStartupError(other, URL)).toBe(other);
  });
});
