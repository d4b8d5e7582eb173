import { QueryFailedError } from 'typeorm';
import { fanoutFailure } from './fanout-failure';

const sqlError = (code: string, message = 'boom') =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code }));

describe(fanoutFailure.name, () => {
  it('gives up at once on errors a retry cannot fix, naming the SQLSTATE', () => {
    for (const code of ['22023', '22P02', '23503', '42703']) {
      const failure = fanoutFailure(sqlError(code, 'bad value'), { made: 0, allowed: 10 });
      expect(failure).toEqual({
        permanent: true,
        giveUp: true,
        reason: `fan-out batch failed: bad value (SQLSTATE ${code})`,
      });
    }
  });

  it('retries connection loss, deadlocks, serialisation failures and other errors', () => {
    for (const err of [
      sqlError('40P01'),
      sqlError('40001'),
      sqlError('08006'),
      sqlError('57P01'),
      new Error('Connection is closed.'),
    ]) {
      expect(fanoutFailure(err, { made: 3, allowed: 10 })).toMatchObject({
        permanent: false,
        giveUp: false,
      });
    }
  });

  it('gives up on the last allowed attempt, with the last error', () => {
    expect(fanoutFailure(sqlError('40P01', 'deadlock detected'), { made: 9, allowed: 10 })).toEqual(
      {
        permanent: false,
        giveUp: true,
        reason: 'fan-out failed 10 times; last error: deadlock detected',
      },
    );
  });
});
