/**
 * What an integration does with the typed client; `npm run build` type-checks it, so a document
 * from which this no longer compiles breaks the build. Run it against a server with
 * `TIDINGS_URL=http://localhost:3000 TIDINGS_API_KEY=tdg_... npx tsx clients/typescript/sample.ts`.
 */
import { createTidingsClient, type ErrorResponse } from './client';

function describe(error: ErrorResponse): string {
  const fields = (error.errors ?? []).map((e) => `${e.field}: ${e.message}`).join('; ');
  return `${error.statusCode} ${error.error}${error.code ? ` (${error.code})` : ''}: ${fields || error.message}`;
}

export async function sample(baseUrl: string, apiKey: string): Promise<void> {
  const tidings = createTidingsClient({ baseUrl, apiKey });

  const topic = await tidings.POST('/v1/topics', {
    body: {
      key: 'renewals',
      name: 'Renewal reminders',
      kind: 'notice',
      allowedFrequencies: ['monthly'],
      evergreenTemplate: null,
    },
  });
  if (topic.error && topic.response.status !== 409) throw new Error(describe(topic.error));

  const created = await tidings.POST('/v1/subscribers', {
    body: {
      email: 'ada@example.com',
      name: 'Ada',
      isCustomer: true,
      attributes: { plan: 'family', vehicle_age_years: 9 },
      dates: { renewal_date: '2027-01-15' },
      topics: [{ topic: 'renewals', frequency: 'monthly' }],
    },
  });
  if (created.error) {
    // 409: the address exists; 422: it is suppressed (`code` says why).
    console.log(describe(created.error));
    return;
  }
  const subscriber = created.data;

  await tidings.POST('/v1/lifecycle-rules', {
    body: {
      key: 'renewal-ahead',
      name: 'Renewal ahead',
      topic: 'renewals',
      template: 'notice',
      apologyTemplate: 'apology',
      trigger: { type: 'date', date: 'renewal_date', offsetDays: -30 },
      deadlineDays: -14,
      content: {
        en: { heading: 'Your plan renews on {date}' },
        nl: { heading: 'Verlenging op {date}' },
      },
    },
  });

  await tidings.POST('/v1/events', {
    body: {
      subscriber: subscriber.id,
      type: 'usage.threshold',
      data: { percentUsed: 91 },
      idempotencyKey: 'usage-2027-01-ada',
    },
  });

  const page = await tidings.GET('/v1/subscribers', {
    params: { query: { status: 'active', limit: 50 } },
  });
  for (const s of page.data?.items ?? []) {
    console.log(s.id, s.status, s.attributes.plan, s.dates.renewal_date, s.weeklyCap ?? 'no cap');
  }

  const gone = await tidings.GET('/v1/topics/{idOrKey}', {
    params: { path: { idOrKey: 'no-such-topic' } },
  });
  if (gone.error) console.log(describe(gone.error)); // 404 Not Found: Topic "no-such-topic" not found

  const erased = await tidings.DELETE('/v1/subscribers/{id}', {
    params: { path: { id: subscriber.id } },
  });
  console.log('erased:', erased.response.status === 204);
}

const { TIDINGS_URL, TIDINGS_API_KEY } = process.env;
if (TIDINGS_URL && TIDINGS_API_KEY) {
  sample(TIDINGS_URL, TIDINGS_API_KEY).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
