import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { normaliseAddress, PasswordChangeError, siteConfig, type ArchivePreference, type Session, type SiteConfig } from '../session/index.ts';
import { Dialog } from './Dialog.tsx';
import { FormEnd } from './FormEnd.tsx';
import { LanguageSelect } from './LanguageSelect.tsx';
import { NotificationSettings } from './NotificationSettings.tsx';
import { ShareAddress } from './ShareAddress.tsx';
import { OwnDevices } from './encryption/OwnDevices.tsx';
import { OpenPgpSettings } from './encryption/OpenPgpSettings.tsx';
import { actionProblem } from './problems.ts';

interface Props {
  session: Session;
  checkPassword(typed: string): Promise<boolean>;
  onClose(): void;
  onPasswordChanged(password: string): void;
  onDeleted(): void;
}

export function SettingsView({ session, checkPassword, onClose, onPasswordChanged, onDeleted }: Props) {
  const { t } = useTranslation();
  return (
    <main className="settings" aria-labelledby="settings-title">
      <div className="panel-head">
        <h2 id="settings-title">{t('settings.title')}</h2>
        <button type="button" onClick={onClose}>
          {t('settings.close')}
        </button>
      </div>
      <section>
        <LanguageSelect />
      </section>
      <ShareAddress jid={session.jid} />
      <ArchiveSettings session={session} />
      <NotificationSettings />
      <OwnDevices session={session} />
      <OpenPgpSettings session={session} />
      <PasswordSettings session={session} onChanged={onPasswordChanged} />
      <section aria-labelledby="blocked-title">
        <h3 id="blocked-title">{t('settings.blockedTitle')}</h3>
        {session.roster.blocked.length === 0 ? (
          <p className="muted">{t('settings.blockedEmpty')}</p>
        ) : (
          <ul className="plain">
            {session.roster.blocked.map((jid) => (
              <li key={jid}>
                {jid}{' '}
                <button type="button" aria-label={t('settings.unblock', { jid })} onClick={() => void session.contacts.unblock(jid)}>
                  {t('chat.unblock')}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <MoveAccount session={session} />
      <DeleteAccount session={session} checkPassword={checkPassword} onDeleted={onDeleted} />
    </main>
  );
}

function ArchiveSettings({ session }: { session: Session }) {
  const { t, i18n } = useTranslation();
  const [value, setValue] = useState<ArchivePreference | null>(null);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [site, setSite] = useState<SiteConfig | null>(null);
  const name = useId();
  useEffect(() => {
    session.getArchivePreference().then(setValue, () => setValue('always'));
  }, [session]);
  useEffect(() => {
    // How long things are kept is known for the server that served this page, when it is the account's server.
    let cancelled = false;
    void siteConfig().then((config) => !cancelled && setSite(config?.domain === session.domain ? config : null));
    return () => {
      cancelled = true;
    };
  }, [session]);
  async function choose(next: ArchivePreference) {
    const before = value;
    setValue(next);
    setNote(null);
    try {
      await session.setArchivePreference(next);
      setNote({ ok: true, text: t('settings.saved') });
    } catch (e) {
      setValue(before);
      setNote({ ok: false, text: t('settings.saveFailed', { text: actionProblem(t, e) }) });
    }
  }
  return (
    <section>
      <fieldset disabled={value === null}>
        <legend>{t('settings.archiveTitle')}</legend>
        <p className="muted">{t('settings.archiveIntro')}</p>
        {site?.archive && (
          <ul className="kept">
            <li>{t('settings.keptMessages', { count: site.archive.retentionDays })}</li>
            <li>{t('settings.keptPlain')}</li>
            {site.uploads && <li>{site.uploads.expireDays === 0 ? t('settings.keptFilesForever') : t('settings.keptFiles', { count: site.uploads.expireDays })}</li>}
            {site.privacyUrl && (
              <li>
                <a href={`${site.privacyUrl.replace('#', `?lang=${i18n.language === 'de' ? 'de' : 'en'}#`)}`} target="_blank" rel="noopener">
                  {t('settings.privacyLink')}
                </a>
              </li>
            )}
          </ul>
        )}
        {(['always', 'roster', 'never'] as const).map((option) => (
          <label key={option} className="radio">
            <input type="radio" name={name} value={option} checked={value === option} onChange={() => void choose(option)} aria-describedby={`${name}-${option}`} />
            <span>
              {t(`settings.archive.${option}`)}
              <small id={`${name}-${option}`}>{t(`settings.archive.${option}Hint`)}</small>
            </span>
          </label>
        ))}
      </fieldset>
      {note && (
        <p role={note.ok ? 'status' : 'alert'} className={note.ok ? 'ok' : 'error'}>
          {note.text}
        </p>
      )}
    </section>
  );
}

function PasswordSettings({ session, onChanged }: { session: Session; onChanged(password: string): void }) {
  const { t } = useTranslation();
  const [current, setCurrent] = useState('');
  const [first, setFirst] = useState('');
  const [second, setSecond] = useState('');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const ids = { current: useId(), a: useId(), b: useId() };
  async function submit(e: FormEvent) {
    e.preventDefault();
    setNote(null);
    // The current password first: whoever sits at an open browser must not be able to lock the owner out.
    if (!current) return setNote({ ok: false, text: t('settings.currentPasswordNeeded') });
    if (first !== second) return setNote({ ok: false, text: t('settings.passwordMismatch') });
    setBusy(true);
    try {
      // The length the account's server asks (when it served this page), so that its refusal does not come as a vaguer sentence.
      const site = await siteConfig();
      const min = (site?.domain === session.domain ? site.minPasswordLength : null) ?? 8;
      if ([...first].length < min) return setNote({ ok: false, text: t('auth.errors.tooShort', { min }) });
      await session.changePassword(current, first);
      onChanged(first);
      setCurrent('');
      setFirst('');
      setSecond('');
      setNote({ ok: true, text: t('settings.passwordChanged') });
    } catch (err) {
      const reason = err instanceof PasswordChangeError ? err.reason : null;
      const text =
        reason === 'wrong-current' ? t('settings.wrongCurrentPassword')
        : reason === 'rate-limited' ? t('problems.tooMany')
        : reason === 'not-acceptable' ? t('settings.passwordRefused')
        : actionProblem(t, err);
      setNote({ ok: false, text });
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="password-title">
      <h3 id="password-title">{t('settings.passwordTitle')}</h3>
      <form onSubmit={submit} noValidate>
        <input type="text" name="username" autoComplete="username" value={session.jid} readOnly hidden />
        <div className="field">
          <label htmlFor={ids.current}>{t('settings.currentPassword')}</label>
          <input id={ids.current} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} maxLength={1023} />
        </div>
        <div className="field">
          <label htmlFor={ids.a}>{t('settings.newPassword')}</label>
          <input id={ids.a} type="password" autoComplete="new-password" value={first} onChange={(e) => setFirst(e.target.value)} maxLength={1023} />
        </div>
        <div className="field">
          <label htmlFor={ids.b}>{t('settings.repeatPassword')}</label>
          <input id={ids.b} type="password" autoComplete="new-password" value={second} onChange={(e) => setSecond(e.target.value)} maxLength={1023} />
        </div>
        {note && (
          <p role={note.ok ? 'status' : 'alert'} className={note.ok ? 'ok' : 'error'}>
            {note.text}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t('settings.changePassword')}
        </button>
      </form>
    </section>
  );
}

function DeleteAccount({ session, checkPassword, onDeleted }: { session: Session; checkPassword(typed: string): Promise<boolean>; onDeleted(): void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  async function confirm(e: FormEvent) {
    e.preventDefault();
    // A second look before the irreversible step: the account's password, checked on this device.
    if (!(await checkPassword(typed))) return setError(t('settings.wrongPassword'));
    try {
      await session.deleteAccount();
      onDeleted();
    } catch (err) {
      setError(actionProblem(t, err));
    }
  }
  return (
    <section aria-labelledby="delete-title" className="danger-zone">
      <h3 id="delete-title">{t('settings.deleteTitle')}</h3>
      <p>{t('settings.deleteWarning')}</p>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        {t('settings.deleteButton')}
      </button>
      {open && (
        <Dialog title={t('settings.deleteConfirmTitle')} onClose={() => setOpen(false)} alert>
          <form onSubmit={confirm}>
            <p>{t('settings.deleteWarning')}</p>
            <p>{t('settings.deleteConfirmText', { jid: session.jid })}</p>
            <div className="field">
              <label htmlFor={id}>{t('auth.password')}</label>
              <input id={id} type="password" autoComplete="current-password" value={typed} onChange={(e) => setTyped(e.target.value)} />
            </div>
            <FormEnd error={error} submit={t('settings.deleteConfirm')} cancel={t('settings.cancel')} onCancel={() => setOpen(false)} danger />
          </form>
        </Dialog>
      )}
    </section>
  );
}

/** Moving to another server: the account as a file (XEP-0227) to import there, and a note on this one that points to the new address (XEP-0283). */
function MoveAccount({ session }: { session: Session }) {
  const { t } = useTranslation();
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  const id = useId();
  async function run(action: () => Promise<string>) {
    setBusy(true);
    setNote(null);
    try {
      setNote({ ok: true, text: await action() });
    } catch (error) {
      setNote({ ok: false, text: actionProblem(t, error) });
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('settings.moveTitle')}</h3>
      <p>{t('settings.moveText')}</p>
      <button
        type="button"
        disabled={busy}
        onClick={() =>
          void run(async () => {
            const { file, name } = await session.downloadAccount();
            const link = document.createElement('a');
            link.href = URL.createObjectURL(file);
            link.download = name;
            link.click();
            setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
            return t('settings.downloaded');
          })
        }
      >
        {t('settings.download')}
      </button>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const address = await normaliseAddress(target);
            if (!address) throw Object.assign(new Error('not an address'), { condition: 'jid-malformed' });
            await session.announceMove(address);
            return t('settings.moveAnnounced', { jid: address });
          });
        }}
      >
        <div className="field">
          <label htmlFor={id}>{t('settings.newAddress')}</label>
          <input id={id} value={target} onChange={(e) => setTarget(e.target.value)} placeholder="name@example.org" />
        </div>
        <p className="muted">{t('settings.moveHint')}</p>
        <button type="submit" disabled={busy || !target.trim()}>
          {t('settings.announceMove')}
        </button>
      </form>
      {note && (
        <p role={note.ok ? 'status' : 'alert'} className={note.ok ? 'ok' : 'error'}>
          {note.text}
        </p>
      )}
    </section>
  );
}
