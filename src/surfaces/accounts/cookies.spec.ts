import { readCookie } from './cookies';

describe('readCookie', () => {
  it('finds one cookie among others, decoded', () => {
    expect(readCookie('a=1; tidings_session=abc%2Ddef; b=2', 'tidings_session')).toBe('abc-def');
  });

  it('is undefined without the header or the cookie, and does not match a longer name', () => {
    expect(readCookie(undefined, 'tidings_session')).toBeUndefined();
    expect(
      readCookie('x_tidings_session=1; tidings_session_old=2', 'tidings_session'),
    ).toBeUndefined();
  });

  it('keeps a value that is not valid percent-encoding as it is', () => {
    expect(readCookie('tidings_session=%E0%A4%A', 'tidings_session')).toBe('%E0%A4%A');
  });
});
