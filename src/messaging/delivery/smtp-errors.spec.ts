import { classifySmtpError } from './smtp-errors';

describe('classifySmtpError', () => {
  it('treats 4xx and network errors as temporary', () => {
    expect(classifySmtpError({ responseCode: 451, response: '451 4.3.0 try later' })).toMatchObject(
      { permanent: false },
    );
    expect(
      classifySmtpError({ code: 'ECONNECTION', message: 'connect ECONNREFUSED' }),
    ).toMatchObject({ permanent: false });
    expect(classifySmtpError(new Error('socket hang up'))).toMatchObject({ permanent: false });
  });

  it('treats 5xx as permanent, and 5xx on RCPT or 5.1.x as a hard bounce', () => {
    expect(
      classifySmtpError({ responseCode: 550, command: 'RCPT TO', response: '550 no such user' }),
    ).toEqual({
      permanent: true,
      hardBounce: true,
      message: '550 no such user',
    });
    expect(
      classifySmtpError({ responseCode: 550, command: 'DATA', response: '550 5.1.1 unknown' }),
    ).toMatchObject({
      hardBounce: true,
    });
    expect(
      classifySmtpError({ responseCode: 554, command: 'DATA', response: '554 5.7.1 spam' }),
    ).toMatchObject({
      permanent: true,
      hardBounce: false,
    });
  });
});
