import { useEffect, useState } from 'react';
import { browserLocale, LocaleContext, TEXTS, useTexts, type Locale } from './i18n';
import { Home } from './pages/Home';
import { Setup } from './pages/Setup';
import { SignIn } from './pages/SignIn';
import { SignOut } from './pages/SignOut';
import { navigate, useRoute, type Route } from './router';
import { useSession } from './session';

export function App() {
  const route = useRoute();
  const session = useSession();
  const user = session.data?.user;
  const [notice, setNotice] = useState<string>();
  const locale: Locale = user?.locale ?? browserLocale();
  const t = TEXTS[locale];

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  // Signed in: the sign-in page leads home; signed out: every page but set-up leads to sign-in.
  useEffect(() => {
    if (session.isPending || route === 'setup') return;
    if (user && route === 'sign-in') navigate('home', { replace: true });
    if (session.data === null && route === 'home') navigate('sign-in', { replace: true });
  }, [session.isPending, session.data, user, route]);

  useEffect(() => {
    const title: Record<typeof route, string> = {
      setup: t.setupTitle,
      'sign-in': t.signInTitle,
      home: t.homeTitle,
    };
    document.title = `${title[route]} · ${t.appName}`;
  }, [route, t]);

  let page;
  if (route === 'setup') {
    page = (
      <Setup
        onCreated={(message) => {
          setNotice(message);
          navigate('sign-in');
        }}
      />
    );
  } else if (session.isPending) {
    page = <p role="status">{t.loading}</p>;
  } else if (session.isError) {
    page = <p role="alert">{t.somethingWrong(session.error.message)}</p>;
  } else if (user && route === 'home') {
    page = <Home />;
  } else if (!user) {
    page = <SignIn notice={notice} onSignedIn={() => setNotice(undefined)} />;
  } else {
    page = <p role="status">{t.loading}</p>;
  }

  return (
    <LocaleContext.Provider value={locale}>
      <a className="skip-link" href="#main">
        {t.skipToContent}
      </a>
      <Header route={route} name={user?.name} />
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </LocaleContext.Provider>
  );
}

function Header({ route, name }: { route: Route; name: string | undefined }) {
  const t = useTexts();
  return (
    <header className="top">
      <span className="brand">{t.appName}</span>
      {name !== undefined && (
        <nav aria-label={t.mainNav}>
          <a
            href="/console/"
            aria-current={route === 'home' ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate('home');
            }}
          >
            {t.home}
          </a>
        </nav>
      )}
      {name !== undefined && <SignOut name={name} />}
    </header>
  );
}
