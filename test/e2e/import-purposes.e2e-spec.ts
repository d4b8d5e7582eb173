import { createBillingPurpose, topicInput, uniqueEmail } from '../factories';
import { createTestApp, TestApp } from '../support/test-app';

describe('Subscriber import: the purposes column grants data-use purposes', () => {
  let t: TestApp;
  const open = topicInput({ allowedFrequencies: ['monthly'], defaultFrequency: 'monthly' });

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    await t.api().post('/v1/topics').send(open).expect(201);
    for (const [key, en, nl] of [
      ['usage-alerts', 'Usage alerts', 'Verbruiksmeldingen'],
      ['renewal-dates', 'Renewal warnings', 'Verlengingswaarschuwingen'],
    ]) {
      await t
        .api()
        .post('/v1/data-purposes')
        .send({ key, names: { en, nl }, attributes: [key], legalBasis: 'consent' })
        .expect(201);
    }
    await createBillingPurpose(t);
  }, 60_000);
  afterAll(() => t.close(), 60_000);

  const importCsv = (body: string) =>
    t
      .http()
      .post('/v1/subscribers/import')
      .set('Authorization', `Bearer ${t.adminKey}`)
      .set('Content-Type', 'text/csv')
      .send(body);

  const usesOf = async (email: string) => {
    const { body } = await t.api().get(`/v1/subscribers/${email}/consent`).expect(200);
    return (body as Array<{ action: string; details: { purpose?: string } }>)
      .filter((e) => e.action.startsWith('data_use'))
      .sort((a, b) => String(a.details.purpose).localeCompare(String(b.details.purpose)));
  };

  it('records a grant per listed purpose (source import, the row’s language) and refuses a row with a bad key, naming line and column', async () => {
    const ada = uniqueEmail('ada');
    const bob = uniqueEmail('bob');
    const cas = uniqueEmail('cas');
    const csv =
      'email,locale,topics,purposes\n' +
      `${ada},nl,${open.key},usage-alerts; renewal-dates\n` +
      `${bob},en,${open.key},usage-alerts;no-such-purpose\n` +
      `${cas},en,${open.key},billing\n`;
    const res = await importCsv(csv).expect(200);
    expect(res.body).toMatchObject({ rows: 3, created: 1, failed: 2 });
    expect(res.body.errors).toEqual([
      {
        line: 3,
        field: 'purposes',
        message: 'purpose "no-such-purpose": no such data-use purpose',
      },
      {
        line: 4,
        field: 'purposes',
        message:
          'purpose "billing": this purpose rests on contract, not on consent: nothing to grant',
      },
    ]);

    expect(await usesOf(ada)).toEqual([
      expect.objectContaining({
        action: 'data_use_grant',
        source: 'import',
        wording: 'Allowed the data use "Verlengingswaarschuwingen".',
        wordingVersion: 'purpose:renewal-dates:v1',
        details: expect.objectContaining({ purpose: 'renewal-dates' }),
      }),
      expect.objectContaining({
        action: 'data_use_grant',
        source: 'import',
        wording: 'Allowed the data use "Verbruiksmeldingen".',
        wordingVersion: 'purpose:usage-alerts:v1',
        details: expect.objectContaining({ purpose: 'usage-alerts' }),
      }),
    ]);
    const states = await t.api().get(`/v1/subscribers/${ada}/purposes`).expect(200);
    expect(states.body).toContainEqual(
      expect.objectContaining({ purpose: 'usage-alerts', inUse: true, decision: 'granted' }),
    );
    // The refused rows wrote nothing at all.
    for (const email of [bob, cas]) {
      const rows = await t.dataSource.query(`SELECT 1 FROM subscribers WHERE email = $1`, [email]);
      expect(rows).toEqual([]);
    }
  });
});
