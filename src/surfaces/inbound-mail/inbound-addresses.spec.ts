import { inboundRecipient, tokenCandidates } from './inbound-addresses';

const ours = { unsubscribeAddress: 'unsubscribe@news.test', bounceAddress: 'bounces@news.test' };

describe('inboundRecipient', () => {
  it('knows our two addresses, in any case and with a +tag', () => {
    expect(inboundRecipient('Unsubscribe@News.Test', ours)).toEqual({
      kind: 'unsubscribe',
      tag: null,
    });
    expect(inboundRecipient('unsubscribe+AbC_12-x@news.test', ours)).toEqual({
      kind: 'unsubscribe',
      tag: 'AbC_12-x',
    });
    expect(inboundRecipient('bounces@news.test', ours)).toEqual({ kind: 'report', tag: null });
    expect(inboundRecipient('bounces+x@news.test', ours)).toEqual({ kind: 'report', tag: 'x' });
  });

  it('refuses every other address (no relay)', () => {
    for (const address of [
      'someone@news.test',
      'unsubscribe@elsewhere.test',
      'unsubscribe@news.test.evil',
      'xunsubscribe@news.test',
      'postmaster@news.test',
      'not-an-address',
    ]) {
      expect(inboundRecipient(address, ours)).toBeNull();
    }
  });
});

describe('tokenCandidates', () => {
  it('finds base64url runs long enough to be a token, behind Re: and words', () => {
    const token = 'A'.repeat(30) + '-_b'.repeat(10);
    expect(tokenCandidates(`Re: unsubscribe ${token}`)).toEqual([token]);
    expect(tokenCandidates('unsubscribe please', null, undefined)).toEqual([]);
  });
});
