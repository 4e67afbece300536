import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  AccountSuspendedError, AuthError, discoverWebSocket, DiscoveryError, fetchRegistrationForm, InvalidUsernameError, openSession, parseServerField, RegisterError, splitAddress,
  type SavedLogin, type Session, type SiteConfig,
} from '../session/index.ts';
import { LanguageSelect } from './LanguageSelect.tsx';
import { RestoreBackup } from './encryption/RestoreBackup.tsx';
import { minLengthFromRules, passwordStrength } from './password-strength.ts';
import { actionProblem, suspendedText } from './problems.ts';

export interface AuthViewProps {
  defaultDomain: string;
  /** what the server that served this page says about itself (registration mode, rules), if it did */
  site?: SiteConfig | null;
  /** the token of an invitation link (XEP-0401) this page was opened with */
  invitation?: string | null;
  /** open on the registration form (the website's "Register" button) */
  startWith?: 'login' | 'register';
  notice?: string | null;
  onSession(session: Session, login: SavedLogin, stayLoggedIn: boolean): void;
}

export function AuthView({ defaultDomain, site = null, invitation = null, startWith = 'login', notice, onSession }: AuthViewProps) {
  const { t, i18n } = useTranslation();
  const [mode, setMode] = useState<'login' | 'register'>(invitation ? 'register' : startWith);
  const [rulesAccepted, setRulesAccepted] = useState(false);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const [stay, setStay] = useState(false);
  const [domain, setDomain] = useState(defaultDomain);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [rules, setRules] = useState<string | null>(null);
  const ids = { user: useId(), pass: useId(), server: useId(), strength: useId(), userHint: useId(), stayHint: useId() };
  // The page's own server: its rules are on its website, and it said how registration works there.
  const ours = site !== null && parseServerField(domain).domain.toLowerCase() === site.domain;
  const minLength = (ours ? site.minPasswordLength : null) ?? minLengthFromRules(rules);
  const strength = passwordStrength(password, minLength);
  const rulesHref = ours && site.rulesUrl ? withLanguage(site.rulesUrl, i18n.language) : null;
  const secure = typeof window === 'undefined' || window.isSecureContext !== false;

  useEffect(() => {
    // Another server: read its registration form only for the password length it asks (its text is not shown).
    if (mode !== 'register' || ours) return;
    let cancelled = false;
    setRules(null);
    const server = parseServerField(domain);
    (server.service ? Promise.resolve(server.service) : discoverWebSocket(server.domain))
      .then((service) => fetchRegistrationForm(service, server.domain))
      .then((form) => !cancelled && setRules(form.instructions))
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [mode, domain, ours]);

  /** Why it failed, in the app's own words: the server's texts are not in the user's language. */
  function explain(e: unknown): string {
    if (!secure) return t('auth.insecure');
    if (e instanceof AccountSuspendedError) return suspendedText(t, e.reason);
    if (e instanceof AuthError) return t('auth.errors.wrongPassword');
    if (e instanceof InvalidUsernameError) return t('auth.errors.invalidUsername');
    if (e instanceof DiscoveryError) return t('auth.errors.unreachable');
    if (e instanceof RegisterError) {
      switch (e.reason) {
        case 'conflict':
          return t('auth.errors.taken');
        case 'not-acceptable':
          return t('auth.errors.notAcceptable');
        case 'closed':
          return t('auth.errors.closed');
        case 'rate-limited':
          return t('auth.errors.rateLimited');
        case 'not-allowed':
          return ours && site.registration === 'invite' && !invitation ? t('auth.inviteOnly') : t('auth.errors.notAllowed');
        case 'invitation-invalid':
          return t('auth.errors.invitationInvalid');
        default:
          return actionProblem(t, e);
      }
    }
    const message = (e as Error)?.message ?? '';
    if (/websocket|network|ECONN|fetch|timeout/i.test(message) || e instanceof TypeError) return t('auth.errors.unreachable');
    return actionProblem(t, e);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (!username.trim() || !password) return setError(t('auth.errors.empty'));
    try {
      await splitAddress(username, parseServerField(domain).domain);
    } catch {
      return setError(t('auth.errors.invalidUsername'));
    }
    if (mode === 'register' && [...password].length < minLength) return setError(t('auth.errors.tooShort', { min: minLength }));
    if (mode === 'register' && rulesHref && !rulesAccepted) return setError(t('auth.errors.rulesNeeded'));
    setBusy(true);
    try {
      const server = parseServerField(domain);
      // Served by this server: its endpoint as reachable from this page (whatever host name it was opened by).
      const service = server.service ?? (ours && site.websocket ? site.websocket : undefined);
      const { session, login } = await openSession({
        address: username,
        defaultDomain: server.domain,
        service,
        password,
        register: mode === 'register',
        ...(mode === 'register' && invitation ? { invitation } : {}),
      });
      onSession(session, login, stay);
    } catch (e) {
      setError(explain(e));
      setBusy(false);
    }
  }

  const registering = mode === 'register';
  return (
    <main className="auth">
      <h1 className="brand">{t('app.name')}</h1>
      <form onSubmit={submit} noValidate aria-labelledby="auth-title">
        <h2 id="auth-title">{registering ? t('auth.registerTitle') : t('auth.loginTitle')}</h2>
        {!secure && (
          <p role="alert" className="error">
            {t('auth.insecure')}
          </p>
        )}
        {notice && !error && (
          <p role="status" className="notice">
            {notice}
          </p>
        )}
        {registering && invitation && (
          <p role="status" className="notice">
            {t('auth.invited', { domain: parseServerField(domain).domain })}
          </p>
        )}
        {registering && !invitation && ours && site.registration === 'invite' && <p className="notice">{t('auth.inviteOnly')}</p>}
        {registering && ours && site.registration === 'closed' && <p className="notice">{t('auth.errors.closed')}</p>}
        <div className="field">
          <label htmlFor={ids.user}>{t('auth.username')}</label>
          <input
            id={ids.user}
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            aria-describedby={ids.userHint}
            maxLength={1023}
          />
          <small id={ids.userHint}>{t('auth.usernameHint', { domain: domain || 'example.org' })}</small>
        </div>
        <div className="field">
          <label htmlFor={ids.pass}>{t('auth.password')}</label>
          <input
            id={ids.pass}
            name="password"
            type={showPassword ? 'text' : 'password'}
            autoComplete={registering ? 'new-password' : 'current-password'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-describedby={registering ? ids.strength : undefined}
            maxLength={1023}
          />
          <label className="check">
            <input type="checkbox" checked={showPassword} onChange={(e) => setShowPassword(e.target.checked)} /> {t('auth.showPassword')}
          </label>
        </div>
        {registering && (
          <div className="hint-box">
            <p id={ids.strength} role="status" className={`strength strength-${strength}`} data-testid="password-strength">
              <meter min={0} max={3} value={['short', 'weak', 'fair', 'strong'].indexOf(strength)} aria-hidden="true" />{' '}
              {t('auth.strength', { level: t(`auth.strengthLevels.${strength}`) })}
            </p>
            <p className="muted">{t('auth.strengthTip')}</p>
          </div>
        )}
        {registering && rulesHref && (
          <div className="field">
            <label className="check">
              <input type="checkbox" checked={rulesAccepted} onChange={(e) => setRulesAccepted(e.target.checked)} />{' '}
              <span>
                {t('auth.acceptRulesBefore')}
                <a href={rulesHref} target="_blank" rel="noopener">
                  {t('auth.acceptRulesLink')}
                </a>
                {t('auth.acceptRulesAfter')}
              </span>
            </label>
          </div>
        )}
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={stay} onChange={(e) => setStay(e.target.checked)} aria-describedby={ids.stayHint} /> {t('auth.stayLoggedIn')}
          </label>
          <small id={ids.stayHint}>{t('auth.stayLoggedInHint')}</small>
        </div>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? (registering ? t('auth.registering') : t('auth.loggingIn')) : registering ? t('auth.register') : t('auth.login')}
        </button>
        <button
          type="button"
          className="link"
          onClick={() => {
            setMode(registering ? 'login' : 'register');
            setError(null);
          }}
        >
          {registering ? t('auth.haveAccount') : t('auth.createAccount')}
        </button>
        <details>
          <summary>{t('auth.serverSettings')}</summary>
          <div className="field">
            <label htmlFor={ids.server}>{t('auth.server')}</label>
            <input id={ids.server} value={domain} onChange={(e) => setDomain(e.target.value)} autoCapitalize="none" spellCheck={false} maxLength={1023} />
            <small>{t('auth.serverHint')}</small>
          </div>
        </details>
      </form>
      {!registering && (
        <RestoreBackup
          onRestored={(jid) => {
            setUsername(jid);
            setError(null);
          }}
        />
      )}
      <LanguageSelect />
    </main>
  );
}

/** The rules page in the app's language (the website takes ?lang=). */
function withLanguage(url: string, language: string): string {
  const lang = language === 'de' ? 'de' : 'en';
  const [path, hash] = url.split('#');
  const joined = `${path}${path!.includes('?') ? '&' : '?'}lang=${lang}`;
  return hash === undefined ? joined : `${joined}#${hash}`;
}
