import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AccountSuspendedError, AuthError, createSession, savedLogin, saveLogin, siteConfig, type SavedLogin, type Session, type SiteConfig } from './session/index.ts';
import { AuthView } from './views/AuthView.tsx';
import { suspendedText } from './views/problems.ts';

// The logged-in app is loaded after login (or while a saved login is restored): the first visit downloads only the login screen.
const MainView = lazy(() => import('./views/MainView.tsx').then((module) => ({ default: module.MainView })));

/**
 * What the address asks for, in its fragment (never sent to any server):
 * #invite=TOKEN from an invitation page, #register from the website's
 * "Register" button.
 */
function fromAddress(): { invitation: string | null; register: boolean } {
  const hash = typeof location === 'undefined' ? '' : location.hash;
  const invitation = /^#invite=([A-Za-z0-9_-]{1,256})$/.exec(hash)?.[1] ?? null;
  return { invitation, register: invitation !== null || hash === '#register' };
}

interface Active {
  session: Session;
  login: SavedLogin;
  stay: boolean;
}

/** Which screen shows: login/register, or the logged-in app (restored at once from this device when "stay logged in" was chosen). */
export function App() {
  const { t } = useTranslation();
  const [active, setActive] = useState<Active | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [restoring, setRestoring] = useState(() => savedLogin() !== null);
  // What the page's server says about itself (its XMPP domain above all); undefined while asking.
  const [site, setSite] = useState<SiteConfig | null | undefined>(undefined);
  const [asked] = useState(fromAddress);
  // Set while we log out or delete the account ourselves: the server closing the stream then is expected.
  const leaving = useRef(false);

  useEffect(() => {
    let cancelled = false;
    void siteConfig().then((config) => !cancelled && setSite(config));
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(() => {
    const restored = savedLogin();
    if (!restored) return;
    const { login: saved } = restored;
    let cancelled = false;
    void (async () => {
      const saltedPassword = await restored.unseal();
      if (!saltedPassword) {
        // The key that sealed it is gone (this browser's storage was cleared): log in again.
        void saveLogin(null);
        setRestoring(false);
        return;
      }
      const session = await createSession(saved.jid, saved.domain);
      await session.loadLocal().catch(() => {});
      if (cancelled) return;
      setActive({ session, login: saved, stay: true });
      setRestoring(false);
      // Retry until the network answers; a refused password sends the user to the login screen.
      for (let attempt = 0; !cancelled && !session.ended; attempt++) {
        try {
          await session.start({ service: saved.service, domain: saved.domain, username: saved.username, saltedPassword });
          return;
        } catch (error) {
          if (error instanceof AuthError) {
            void saveLogin(null);
            await session.logout(false);
            setActive(null);
            setNotice(error instanceof AccountSuspendedError ? suspendedText(t, error.reason) : t('auth.errors.wrongPassword'));
            return;
          }
          await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** attempt)));
        }
      }
    })();
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the saved login is restored once, when the app starts
  }, []);

  useEffect(() => {
    if (!active?.stay) return;
    // Each accepted login (also after a password change here) refreshes what this device keeps.
    return active.session.on('saltedPassword', (salted) => void saveLogin(active.login, salted));
  }, [active]);

  useEffect(() => {
    if (!active) return;
    // The server refused our password on a reconnection (changed or deleted elsewhere), or the operators suspended us.
    return active.session.on('ended', (why) => {
      if (leaving.current) return;
      void saveLogin(null);
      setActive(null);
      setNotice(why.suspended ? suspendedText(t, why.reason) : t('auth.errors.wrongPassword'));
    });
  }, [active, t]);

  async function end(forget: boolean, message: string | null) {
    if (!active) return;
    leaving.current = true;
    await saveLogin(null);
    await active.session.logout(forget);
    setActive(null);
    setNotice(message);
    document.title = 'Conexizan';
  }

  if (restoring || (!active && site === undefined)) return <p className="center muted">{t('status.connecting')}</p>;
  if (!active) {
    return (
      <AuthView
        defaultDomain={site?.domain ?? window.location.hostname}
        site={site ?? null}
        invitation={asked.invitation}
        startWith={asked.register ? 'register' : 'login'}
        notice={notice}
        onSession={(session, login, stay) => {
          void saveLogin(stay ? login : null, session.saltedPassword);
          // A used invitation must not show again after a reload.
          if (location.hash) history.replaceState(null, '', location.pathname + location.search);
          leaving.current = false;
          setNotice(null);
          setActive({ session, login, stay });
        }}
      />
    );
  }
  return (
    <Suspense fallback={<p className="center muted">{t('status.connecting')}</p>}>
      <MainView
        session={active.session}
        checkPassword={(typed) => active.session.isPassword(typed)}
        onLogout={() => void end(true, t('auth.loggedOut'))}
        onPasswordChanged={() => {
          // The saved SaltedPassword belongs to the old password; the next login on this connection saves a new one.
          if (active.stay) void saveLogin(null);
        }}
        onDeleted={() => void end(true, t('auth.deleted'))}
      />
    </Suspense>
  );
}
