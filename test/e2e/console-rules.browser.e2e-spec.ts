import type { Page } from 'playwright-core';
import { SuppressionsService } from '../../src/audience/suppressions/suppressions.service';
import { ruleSentence } from '../../console/src/areas/rules/summary';
import { createSubscriber, topicInput, uniqueEmail } from '../factories';
import { checkPage, ConsoleHarness } from '../support/console-browser';

/** YYYY-MM-DD, `days` from today (UTC). */
function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The tab's errors less those expected: the sign-in page's GET /v1/auth/me before signing in
 * (401), and the answers a test causes on purpose (a refused save: 400; the analyst's PATCH: 403).
 */
const unexpected = (errors: string[], allowed = /status of 401/) =>
  errors.filter((e) => !allowed.test(e));

/** The rule in one sentence, as the console builds it while a rule is edited. */
describe('ruleSentence', () => {
  const renewal = {
    trigger: { type: 'date' as const, date: 'renewal_date', offsetDays: -30 },
    deadlineDays: -14,
    sendWindow: { start: '09:00', end: '17:00' },
    apologyTemplate: 'apology',
  };

  it('says a date rule in English and Dutch', () => {
    expect(ruleSentence(renewal, 'en')).toBe(
      '30 days before renewal date, between 09:00 and 17:00 local time, at the latest 14 days before; apology: apology',
    );
    expect(ruleSentence(renewal, 'nl')).toBe(
      '30 dagen voor renewal date, tussen 09:00 en 17:00 plaatselijke tijd, uiterlijk 14 dagen ervoor; excuusbericht: apology',
    );
    const after = {
      ...renewal,
      trigger: { ...renewal.trigger, offsetDays: 1 },
      deadlineDays: 1,
      apologyTemplate: null,
    };
    expect(ruleSentence(after, 'en')).toBe(
      '1 day after renewal date, between 09:00 and 17:00 local time, at the latest 1 day after; no apology',
    );
    const onTheDay = {
      ...renewal,
      trigger: { ...renewal.trigger, offsetDays: 0 },
      deadlineDays: 0,
    };
    expect(ruleSentence(onTheDay, 'nl')).toBe(
      'Op renewal date, tussen 09:00 en 17:00 plaatselijke tijd, uiterlijk op de dag zelf; excuusbericht: apology',
    );
  });

  it('says confirmed, event and attribute rules, with their conditions and cooldowns', () => {
    expect(
      ruleSentence({ trigger: { type: 'confirmed', offsetDays: 3 }, deadlineDays: null }, 'en'),
    ).toBe(
      '3 days after confirmation, between 09:00 and 17:00 local time, no deadline; no apology',
    );
    const usage = {
      trigger: {
        type: 'event' as const,
        event: 'usage.threshold',
        condition: { path: 'percentUsed', op: 'gte', value: 90 },
        offsetDays: 0,
        cooldownDays: 7,
      },
      deadlineDays: 2,
      sendWindow: { start: '08:30', end: '20:00' },
    };
    expect(ruleSentence(usage, 'en')).toBe(
      'On the day of event usage.threshold (when percentUsed ≥ 90), between 08:30 and 20:00 local time, at the latest 2 days after, at most once every 7 days per subscriber; no apology',
    );
    expect(ruleSentence(usage, 'nl')).toBe(
      'Op de dag van gebeurtenis usage.threshold (als percentUsed ≥ 90), tussen 08:30 en 20:00 plaatselijke tijd, uiterlijk 2 dagen erna, hoogstens eens per 7 dagen per abonnee; geen excuusbericht',
    );
    const oldCar = {
      trigger: {
        type: 'attribute' as const,
        condition: {
          all: [
            { path: 'vehicle_age_years', op: 'gte', value: 8 },
            {
              any: [
                { path: 'cover', op: 'eq', value: 'all-risk' },
                { not: { path: 'x', op: 'exists' } },
              ],
            },
          ],
        },
        offsetDays: 2,
      },
      deadlineDays: null,
    };
    expect(ruleSentence(oldCar, 'en')).toBe(
      '2 days after vehicle_age_years ≥ 8 and (cover = all-risk or not x is set) becomes true, between 09:00 and 17:00 local time, no deadline; no apology',
    );
    expect(ruleSentence(oldCar, 'nl')).toBe(
      '2 dagen nadat vehicle_age_years ≥ 8 en (cover = all-risk of niet x is ingevuld) waar wordt, tussen 09:00 en 17:00 plaatselijke tijd, geen uiterste datum; geen excuusbericht',
    );
  });
});

describe('Console lifecycle rules in Chromium', () => {
  let h: ConsoleHarness;
  let topicKey: string;
  const sub: Record<string, string> = {};
  const ruleKey = 'renewal-console';

  async function subscriber(name: string, dates: Record<string, string>, topics = true) {
    const s = await createSubscriber(h.t, {
      email: uniqueEmail(name),
      timezone: 'UTC',
      dates,
      topics: topics ? [{ topic: topicKey }] : [],
    });
    sub[name] = s.id;
    return s;
  }
  const sentence = (page: Page) => page.getByTestId('rule-sentence').innerText();
  const figure = async (page: Page, label: string) =>
    page
      .getByTestId('audit-figures')
      .locator('div', { has: page.locator('dt', { hasText: label }) })
      .locator('dd')
      .innerText();

  beforeAll(async () => {
    h = await ConsoleHarness.start();
    const topic = topicInput({ kind: 'notice', allowedFrequencies: ['monthly'] });
    topicKey = topic.key;
    await h.t.api().post('/v1/topics').send(topic).expect(201);
    // With a rule 30 days before renewal_date, deadline 14 days before, seen over 60 days:
    // three will get it (send days ahead or just passed, deadlines ahead) ...
    await subscriber('ahead1', { renewal_date: inDays(25) });
    await subscriber('ahead2', { renewal_date: inDays(40) });
    await subscriber('ahead3', { renewal_date: inDays(50) });
    // ... one is too late (deadline 9 days ago, before the rule existed) ...
    await subscriber('tooLate', { renewal_date: inDays(5) });
    // ... one left the topic, one is suppressed ...
    await subscriber('left', { renewal_date: inDays(45) });
    await h.t.api().delete(`/v1/subscribers/${sub.left}/subscriptions/${topicKey}`).expect(200);
    const suppressed = await subscriber('suppressed', { renewal_date: inDays(45) });
    await h.t.app.get(SuppressionsService).suppress(suppressed.email, 'manual');
    // ... one has no renewal date, one renews after the 60 days.
    await subscriber('noDate', {});
    await subscriber('later', { renewal_date: inDays(200) });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('a marketer creates a date rule with the live sentence, reads its audit, and enables it by keyboard', async () => {
    const { page, errors, close } = await h.signIn('marketer');
    await page.getByRole('link', { name: 'Lifecycle rules' }).click();
    await page.getByRole('heading', { level: 1, name: 'Lifecycle rules' }).waitFor();
    await page.getByText('There are no lifecycle rules yet.').waitFor();
    await page.getByRole('link', { name: 'New rule' }).click();
    await page.getByRole('heading', { level: 1, name: 'New lifecycle rule' }).waitFor();
    await checkPage(page, 'rules-new');

    await page.getByLabel('Key', { exact: true }).fill(ruleKey);
    await page.getByLabel('Name', { exact: true }).fill('Renewal reminder');
    await page.getByLabel('Notice topic').selectOption(topicKey);
    await page.getByLabel('Date', { exact: true }).fill('renewal_date');
    expect(await sentence(page)).toBe(
      '30 days before renewal date, between 09:00 and 17:00 local time, at the latest 14 days before; apology: apology',
    );
    // The sentence follows every change.
    await page.getByLabel('Days', { exact: true }).fill('20');
    await page.getByLabel('Send window starts (local time)').fill('10:00');
    await page.getByLabel('Apology when the deadline is missed').selectOption('');
    expect(await sentence(page)).toBe(
      '20 days before renewal date, between 10:00 and 17:00 local time, at the latest 14 days before; no apology',
    );
    await page.getByLabel('Days', { exact: true }).fill('30');
    await page.getByLabel('Send window starts (local time)').fill('09:00');
    await page.getByLabel('Apology when the deadline is missed').selectOption('apology');
    // Dutch is the default locale (LOCALES nl,en): its text is required; English falls back to it.
    await page.getByLabel('Heading (nl)').fill('Je polis wordt op {date} verlengd');
    await page.getByLabel('Introduction (nl)').fill('Aanpassen of opzeggen kan tot {deadline}.');
    await page.getByLabel('Heading (en)').fill('Your policy renews on {date}');
    await page.getByLabel('Introduction (en)').fill('You can change it until {deadline}.');
    await page.getByLabel('Why they get it (en)').fill('Your policy renews on {date}.');
    await page.getByRole('button', { name: 'Create the rule (disabled)' }).click();
    // The Dutch reason is missing: the API names the field, and the page says so.
    const alert = page.getByRole('alert').filter({ hasText: 'content.nl.reason' });
    await alert.waitFor();
    expect(
      await h.t.dataSource.query(`SELECT 1 FROM lifecycle_rules WHERE key = $1`, [ruleKey]),
    ).toEqual([]);
    await page.getByLabel('Why they get it (nl)').fill('Je polis wordt op {date} verlengd.');
    await page.getByRole('button', { name: 'Create the rule (disabled)' }).click();

    await page.getByRole('heading', { level: 1, name: 'Rule: Renewal reminder' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/rules/${ruleKey}`);
    const [row] = await h.t.dataSource.query(
      `SELECT enabled, trigger_type, date_name, offset_days, deadline_days, apology_template, content
         FROM lifecycle_rules WHERE key = $1`,
      [ruleKey],
    );
    expect(row).toMatchObject({
      enabled: false,
      trigger_type: 'date',
      date_name: 'renewal_date',
      offset_days: -30,
      deadline_days: -14,
      apology_template: 'apology',
    });
    expect(Object.keys(row.content).sort()).toEqual(['en', 'nl']);

    // The audit: what enabling it would do, with the seeded subscribers' numbers.
    await page.getByTestId('audit-figures').waitFor();
    await page.getByText(/If you enable this rule now/).waitFor();
    expect(await figure(page, 'Will get the notice')).toBe('3');
    expect(await figure(page, 'Will not get it')).toBe('3');
    expect(await figure(page, 'Dates in this period')).toBe('6');
    expect(await figure(page, 'Topic subscribers without a renewal date')).toBe('1');
    expect(await figure(page, 'Dates after this period')).toBe('1');
    const reasons = await page.getByTestId('audit-reasons').locator('tbody tr').allInnerTexts();
    expect(reasons.map((r) => r.replace(/\s+/g, ' ').trim()).sort()).toEqual([
      'Left the notice topic, or unsubscribed from everything 1',
      'The address is on the suppression list 1',
      'Too late: the deadline had passed before the rule or the date existed 1',
    ]);
    // A sample of subscribers, each linking to their page.
    const links = await page
      .getByTestId('audit-sample')
      .locator('a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links.sort()).toEqual(
      ['ahead1', 'ahead2', 'ahead3', 'tooLate', 'left', 'suppressed']
        .map((n) => `/console/subscribers/${sub[n]}`)
        .sort(),
    );
    await page.getByLabel('Show', { exact: true }).selectOption('none');
    await page.getByTestId('audit-sample').locator('tbody tr').nth(2).waitFor();
    expect(await page.getByTestId('audit-sample').locator('tbody tr').count()).toBe(3);
    await checkPage(page, 'rules-detail');

    // Enable by keyboard: the button next to the audit, then the dialog's confirm button.
    await page.getByRole('button', { name: 'Enable the rule' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Enable the rule' });
    await dialog.waitFor();
    await dialog.getByText('3 subscribers will get the notice').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('The rule is enabled.', { exact: true }).waitFor();
    await page.getByText(/The rule is enabled\. Who gets the notice/).waitFor();
    const [after] = await h.t.dataSource.query(
      `SELECT enabled, id FROM lifecycle_rules WHERE key = $1`,
      [ruleKey],
    );
    expect(after.enabled).toBe(true);
    expect(await figure(page, 'Will get the notice')).toBe('3');
    const log = await h.t.dataSource.query(
      `SELECT action, actor_type, actor_name, target_id FROM activity_log
        WHERE target_type = 'lifecycle_rule' ORDER BY id`,
    );
    expect(log).toEqual([
      {
        action: 'lifecycle_rule.created',
        actor_type: 'user',
        actor_name: 'marketer@console.test',
        target_id: after.id,
      },
      {
        action: 'lifecycle_rule.enabled',
        actor_type: 'user',
        actor_name: 'marketer@console.test',
        target_id: after.id,
      },
    ]);

    // Editing: the sentence follows, and saving changes the rule.
    await page.getByLabel('Deadline: days', { exact: true }).fill('7');
    expect(await sentence(page)).toBe(
      '30 days before renewal date, between 09:00 and 17:00 local time, at the latest 7 days before; apology: apology',
    );
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();
    const [edited] = await h.t.dataSource.query(
      `SELECT deadline_days, enabled FROM lifecycle_rules WHERE key = $1`,
      [ruleKey],
    );
    expect(edited).toEqual({ deadline_days: -7, enabled: true });

    await h.open(page, '/rules');
    await page.getByRole('cell', { name: /Renewal reminder/ }).waitFor();
    const listed = (await page.locator('tbody tr').first().innerText()).replace(/\s+/g, ' ');
    expect(listed).toContain('Enabled');
    expect(listed).toContain('Before or after a date');
    expect(listed).toContain(
      '30 days before renewal date, between 09:00 and 17:00 local time, at the latest 7 days before; apology: apology',
    );
    await checkPage(page, 'rules-list');
    expect(unexpected(errors, /status of 40[01]/)).toEqual([]);
    await close();
  });

  it('a marketer creates event, attribute and confirmed rules', async () => {
    const { page, errors, close } = await h.signIn('marketer');
    const cases = [
      {
        key: 'usage-alert',
        type: 'event',
        fill: async () => {
          await page.getByLabel('Event type').fill('usage.threshold');
          // A condition that is not JSON is named before anything is sent.
          await page
            .getByLabel('Condition on the event data (JSON, optional)')
            .fill('percentUsed >= 90');
          await page.getByRole('button', { name: 'Create the rule (disabled)' }).click();
          await page
            .getByRole('alert')
            .filter({ hasText: 'trigger.condition: The condition is not valid JSON.' })
            .waitFor();
          await page
            .getByLabel('Condition on the event data (JSON, optional)')
            .fill('{"path": "percentUsed", "op": "gte", "value": 90}');
          await page.getByLabel('Days before the same subscriber can get it again').fill('7');
        },
        sentence:
          'On the day of event usage.threshold (when percentUsed ≥ 90), between 09:00 and 17:00 local time, no deadline, at most once every 7 days per subscriber; apology: apology',
        row: {
          trigger_type: 'event',
          event_type: 'usage.threshold',
          cooldown_days: 7,
          offset_days: 0,
          deadline_days: null,
        },
      },
      {
        key: 'old-car',
        type: 'attribute',
        fill: async () => {
          await page
            .getByLabel('Condition (JSON)', { exact: true })
            .fill('{"path": "vehicle_age_years", "op": "gte", "value": 8}');
          await page
            .getByLabel('Days after the condition became true (0 is the same day)')
            .fill('1');
          await page.getByLabel('The notice has a deadline').check();
          await page.getByLabel('Deadline: days after the trigger').fill('10');
        },
        sentence:
          '1 day after vehicle_age_years ≥ 8 becomes true, between 09:00 and 17:00 local time, at the latest 10 days after; apology: apology',
        row: { trigger_type: 'attribute', offset_days: 1, deadline_days: 10, cooldown_days: 0 },
      },
      {
        key: 'welcome-day-3',
        type: 'confirmed',
        fill: async () => {
          await page
            .getByLabel('Days after confirmation (1 or more; the welcome itself goes at once)')
            .fill('3');
        },
        sentence:
          '3 days after confirmation, between 09:00 and 17:00 local time, no deadline; apology: apology',
        row: { trigger_type: 'confirmed', offset_days: 3, deadline_days: null },
      },
    ];
    for (const c of cases) {
      await h.open(page, '/rules/new');
      await page.getByLabel('Key', { exact: true }).fill(c.key);
      await page.getByLabel('Name', { exact: true }).fill(c.key);
      await page.getByLabel('Notice topic').selectOption(topicKey);
      await page.getByLabel('Trigger', { exact: true }).selectOption(c.type);
      await c.fill();
      expect(await sentence(page)).toBe(c.sentence);
      await page.getByLabel('Heading (nl)').fill('Let op');
      await page.getByLabel('Introduction (nl)').fill('Er is iets veranderd.');
      await page.getByLabel('Why they get it (nl)').fill('Je krijgt dit omdat je klant bent.');
      await page.getByRole('button', { name: 'Create the rule (disabled)' }).click();
      await page.getByRole('heading', { level: 1, name: `Rule: ${c.key}` }).waitFor();
      await page.getByText('No audit ahead for this trigger:').waitFor();
      const [row] = await h.t.dataSource.query(
        `SELECT enabled, trigger_type, event_type, condition, offset_days, deadline_days, cooldown_days
           FROM lifecycle_rules WHERE key = $1`,
        [c.key],
      );
      expect(row).toMatchObject({ enabled: false, ...c.row });
      // The saved rule reads back into the same sentence.
      expect(await sentence(page)).toBe(c.sentence);
    }
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('a Dutch marketer reads the sentence in Dutch, live while editing', async () => {
    const { page, errors, close } = await h.signIn('marketer', {
      email: 'marketer-nl@console.test',
      locale: 'nl',
    });
    await page.getByRole('link', { name: 'Levenscyclus' }).click();
    await page.getByRole('heading', { level: 1, name: 'Levenscyclusregels' }).waitFor();
    await page.getByRole('link', { name: 'Renewal reminder' }).click();
    await page.getByRole('heading', { level: 1, name: 'Regel: Renewal reminder' }).waitFor();
    expect(await sentence(page)).toBe(
      '30 dagen voor renewal date, tussen 09:00 en 17:00 plaatselijke tijd, uiterlijk 7 dagen ervoor; excuusbericht: apology',
    );
    await page.getByLabel('Voor of na', { exact: true }).selectOption('after');
    await page.getByLabel('Dagen', { exact: true }).fill('2');
    expect(await sentence(page)).toBe(
      '2 dagen na renewal date, tussen 09:00 en 17:00 plaatselijke tijd, uiterlijk 7 dagen ervoor; excuusbericht: apology',
    );
    await page.getByTestId('audit-figures').waitFor();
    await page
      .getByText(/De regel staat aan\./)
      .first()
      .waitFor();
    await checkPage(page, 'rules-detail-nl');
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('an analyst reads rules and their audit but cannot change them; the API refuses', async () => {
    const { page, errors, close } = await h.signIn('analyst');
    await page.getByRole('link', { name: 'Lifecycle rules' }).click();
    await page.getByRole('heading', { level: 1, name: 'Lifecycle rules' }).waitFor();
    expect(await page.getByRole('link', { name: 'New rule' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Renewal reminder' }).click();
    await page.getByTestId('audit-figures').waitFor();
    await page.getByText('Your role can read this rule but not change it.').waitFor();
    expect(await page.getByRole('button', { name: 'Disable the rule' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    expect(await page.getByLabel('Name', { exact: true }).isDisabled()).toBe(true);
    await checkPage(page, 'rules-detail-analyst');

    // The API refuses the analyst's change, CSRF token and all.
    const status = await page.evaluate(async (key) => {
      const me = (await (await fetch('/v1/auth/me')).json()) as { csrfToken: string };
      const res = await fetch(`/v1/lifecycle-rules/${key}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrfToken },
        body: JSON.stringify({ enabled: false }),
      });
      return res.status;
    }, ruleKey);
    expect(status).toBe(403);
    const [row] = await h.t.dataSource.query(`SELECT enabled FROM lifecycle_rules WHERE key = $1`, [
      ruleKey,
    ]);
    expect(row.enabled).toBe(true);

    await h.open(page, '/rules/new');
    await page.getByText('Your role cannot open this page.', { exact: false }).waitFor();
    expect(unexpected(errors, /status of 40[13]/)).toEqual([]);
    await close();
  });
});
