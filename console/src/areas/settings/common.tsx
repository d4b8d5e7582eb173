import { useId, type ReactNode, type SelectHTMLAttributes } from 'react';
import { useLocale } from '../../i18n';
import { Link, useLocation } from '../../router';
import { useCan } from '../../ui/access';
import { Field } from '../../ui/Field';
import { useSettingsTexts, type SettingsTexts } from './texts';

/** Dates and numbers in the user's language. */
export function useFormat() {
  const locale = useLocale();
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const number = new Intl.NumberFormat(locale);
  return {
    date: (value: string | null | undefined) => (value ? dateTime.format(new Date(value)) : '—'),
    number: (value: number) => number.format(value),
  };
}

interface Tab {
  path: string;
  label: (t: SettingsTexts) => string;
  scope?: string;
}

const DELIVERABILITY_TABS: Tab[] = [
  { path: '/deliverability', label: (t) => t.suppressionsTitle, scope: 'subscribers:read' },
  { path: '/deliverability/bounces', label: (t) => t.signalsTitle, scope: 'reports:read' },
  { path: '/deliverability/webhooks', label: (t) => t.webhooksTitle, scope: 'webhooks:read' },
];

const SETTINGS_TABS: Tab[] = [
  { path: '/settings', label: (t) => t.myAccountTitle },
  { path: '/settings/api-keys', label: (t) => t.apiKeysTitle, scope: 'admin' },
  { path: '/settings/users', label: (t) => t.usersTitle, scope: 'admin' },
  { path: '/settings/activity', label: (t) => t.activityTitle, scope: 'admin' },
];

/** The pages of this part (deliverability or settings) the user's role can open. */
export function SubNav({ part }: { part: 'deliverability' | 'settings' }) {
  const t = useSettingsTexts();
  const can = useCan();
  const { path } = useLocation();
  const tabs = (part === 'deliverability' ? DELIVERABILITY_TABS : SETTINGS_TABS).filter(
    (tab) => !tab.scope || can(tab.scope),
  );
  const current = tabs
    .filter((tab) => path === tab.path || path.startsWith(`${tab.path}/`))
    .sort((a, b) => b.path.length - a.path.length)[0];
  return (
    <nav
      className="subnav"
      aria-label={part === 'deliverability' ? t.deliverabilityNav : t.settingsNav}
    >
      <ul>
        {tabs.map((tab) => (
          <li key={tab.path}>
            <Link to={tab.path} aria-current={tab === current ? 'page' : undefined}>
              {tab.label(t)}
            </Link>
          </li>
        ))}
        {part === 'settings' && can('admin') && (
          <li>
            {/* Bull Board is its own app under /admin/queues, not a console page: a full load. */}
            <a href="/admin/queues" title={t.queueBoardHint}>
              {t.queueBoard}
            </a>
          </li>
        )}
      </ul>
    </nav>
  );
}

/** The token of a one-time link (`…#token=…`); the fragment never reaches a server. */
export function tokenFromFragment(): string | undefined {
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? undefined;
}

/** The text of a form field ('' when missing). */
export function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

/**
 * A labelled <select> with its error tied to it (ui/Field's render prop does not type-check
 * against InputHTMLAttributes' own `children`, so selects use this).
 */
export function SelectField({
  label,
  error,
  children,
  ...select
}: {
  label: string;
  error?: string;
  children: ReactNode;
} & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        {...select}
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        {children}
      </select>
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** The console's languages, as a `locale` select (a user's own, or an invited user's). */
export function LanguageField({ error, defaultValue }: { error?: string; defaultValue: string }) {
  const t = useSettingsTexts();
  return (
    <SelectField label={t.language} error={error} name="locale" defaultValue={defaultValue}>
      <option value="nl" lang="nl">
        {t.dutch}
      </option>
      <option value="en" lang="en">
        {t.english}
      </option>
    </SelectField>
  );
}

/** A new password as the API takes it (10 to 200 characters), for setting or changing one. */
export function NewPasswordField({ error }: { error?: string }) {
  const t = useSettingsTexts();
  return (
    <Field
      label={t.newPassword}
      hint={t.passwordHint}
      name="password"
      type="password"
      autoComplete="new-password"
      minLength={10}
      maxLength={200}
      required
      error={error}
    />
  );
}
