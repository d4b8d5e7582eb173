import { Suspense, useEffect, useState } from 'react';
import { PAGES } from './areas';
import type { ConsolePage } from './areas/types';
import { browserLocale, LocaleContext, TEXTS, useTexts, type Locale } from './i18n';
import { Setup } from './pages/Setup';
import { SignIn } from './pages/SignIn';
import { SignOut } from './pages/SignOut';
import { Link, matchPath, navigate, useLocation } from './router';
import { useSession } from './session';
import { useCan } from './ui/access';

/** The page whose pattern matches the path, with its parameters. */
function findPage(path: string): { page: ConsolePage; params: Record<string, string> } | null {
  for (const page of PAGES) {
    const params = matchPath(page.path, path);
    if (params) return { page, params };
  }
  return null;
}

export function App() {
  const { path } = useLocation();
  const session = useSession();
  const can = useCan();
  const user = session.data?.user;
  const [notice, setNotice] = useState<string>();
  const locale: Locale = user?.locale ?? browserLocale();
  const t = TEXTS[locale];
  const isSetup = path === '/setup';
  const isSignIn = path === '/sign-in';
  const found = isSetup || isSignIn ? null : findPage(path);
  // Pages a one-time link opens (accept an invite, reset a password): no session needed.
  const isPublic = !!found?.page.public;

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  // Signed in: the sign-in page leads home; signed out: every page but set-up leads to sign-in.
  useEffect(() => {
    if (session.isPending || isSetup || isPublic) return;
    if (user && isSignIn) navigate('/', { replace: true });
    if (session.data === null && !isSignIn) navigate('/sign-in', { replace: true });
  }, [session.isPending, session.data, user, isSetup, isSignIn, isPublic]);

  useEffect(() => {
    const title = isSetup
      ? t.setupTitle
      : isPublic && found
        ? found.page.title(locale)
        : isSignIn || !user
          ? t.signInTitle
          : found
            ? found.page.title(locale)
            : t.notFound;
    document.title = `${title} · ${t.appName}`;
  }, [isSetup, isPublic, isSignIn, user, found, locale, t]);

  let page;
  if (isSetup) {
    page = (
      <Setup
        onCreated={(message) => {
          setNotice(message);
          navigate('/sign-in');
        }}
      />
    );
  } else if (isPublic && found) {
    page = found.page.render(found.params);
  } else if (session.isPending) {
    page = <p role="status">{t.loading}</p>;
  } else if (session.isError) {
    page = <p role="alert">{t.somethingWrong(session.error.message)}</p>;
  } else if (!user) {
    page = <SignIn notice={notice} onSignedIn={() => setNotice(undefined)} />;
  } else if (isSignIn) {
    page = <p role="status">{t.loading}</p>;
  } else if (!found) {
    page = <h1>{t.notFound}</h1>;
  } else if (found.page.scope && !can(found.page.scope)) {
    page = (
      <>
        <h1>{found.page.title(locale)}</h1>
        <p role="alert">{t.notForYourRole}</p>
      </>
    );
  } else {
    // A new key per path: a page's state starts afresh when another page of its kind opens.
    page = <div key={path}>{found.page.render(found.params)}</div>;
  }

  return (
    <LocaleContext.Provider value={locale}>
      <a className="skip-link" href="#main">
        {t.skipToContent}
      </a>
      <Header current={found?.page} name={user?.name} locale={locale} />
      <main id="main" tabIndex={-1}>
        {/* Areas load their pages lazily (React.lazy): only the frame is in the initial script. */}
        <Suspense fallback={<p role="status">{t.loading}</p>}>{page}</Suspense>
      </main>
    </LocaleContext.Provider>
  );
}

function Header({
  current,
  name,
  locale,
}: {
  current: ConsolePage | undefined;
  name: string | undefined;
  locale: Locale;
}) {
  const t = useTexts();
  const can = useCan();
  const { path } = useLocation();
  const items = PAGES.filter((p) => p.nav && (!p.scope || can(p.scope))).sort(
    (a, b) => a.nav!.order - b.nav!.order,
  );
  // The nav item of the current page's area: the one whose path starts the current path.
  const active =
    items.find((p) => p === current) ??
    items
      .filter((p) => p.path !== '/' && path.startsWith(p.path))
      .sort((a, b) => b.path.length - a.path.length)[0];
  return (
    <header className="top">
      <span className="brand">{t.appName}</span>
      {name !== undefined && (
        <nav aria-label={t.mainNav}>
          {items.map((p) => (
            <Link key={p.path} to={p.path} aria-current={p === active ? 'page' : undefined}>
              {p.nav!.label(locale)}
            </Link>
          ))}
        </nav>
      )}
      {name !== undefined && <SignOut name={name} />}
    </header>
  );
}
