import { isSnsUrl, SnsMessages } from './sns-messages';

describe(SnsMessages.name, () => {
  describe(isSnsUrl.name, () => {
    it.each([
      'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://sns.us-gov-west-1.amazonaws.com/x.pem',
      'https://sns.cn-north-1.amazonaws.com.cn/x.pem',
    ])('trusts %s', (url) => {
      expect(isSnsUrl(url)).not.toBeNull();
    });

    it.each([
      'http://sns.eu-west-1.amazonaws.com/x.pem',
      'https://sns.eu-west-1.amazonaws.com.evil.test/x.pem',
      'https://evil.test/sns.eu-west-1.amazonaws.com/x.pem',
      'https://sqs.eu-west-1.amazonaws.com/x.pem',
      'https://sns.amazonaws.com/x.pem',
      'https://user:pw@sns.eu-west-1.amazonaws.com/x.pem',
      'https://sns.eu-west-1.amazonaws.com:8443/x.pem',
      'not a url',
      42,
    ])('refuses %s', (url) => {
      expect(isSnsUrl(url)).toBeNull();
    });
  });

  it('never fetches a certificate from a host it does not trust', async () => {
    const fetched: string[] = [];
    const sns = new SnsMessages({
      get: (url) => {
        fetched.push(url.href);
        return Promise.resolve('');
      },
    });
    const message = sns.parse(
      Buffer.from(
        JSON.stringify({
          Type: 'Notification',
          MessageId: '1',
          TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t',
          Message: '{}',
          Timestamp: new Date().toISOString(),
          SignatureVersion: '1',
          Signature: 'AAAA',
          SigningCertURL: 'https://attacker.test/cert.pem',
        }),
      ),
    );
    await expect(sns.verify(message, new Date())).rejects.toMatchObject({
      status: 403,
      code: 'invalid_signature',
    });
    expect(fetched).toEqual([]);
  });
});
