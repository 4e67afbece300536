import './encryption.css';
import { useEffect, useId, useState, useSyncExternalStore, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Session } from '../../session/index.ts';

/** An OpenPGP fingerprint in groups of four, as GnuPG shows it. */
export function groupedFingerprint(fingerprint: string): string {
  return fingerprint.replace(/(.{4})(?!$)/g, '$1 ');
}

/**
 * Settings: OpenPGP for XMPP, for chats with people who use it (profanity,
 * Gajim…). The account has one key: made here, imported from GnuPG, or
 * restored from the server's backup with its backup code. Backing up puts
 * the key on the server encrypted with a new code, shown once.
 */
export function OpenPgpSettings({ session }: { session: Session }) {
  const { t } = useTranslation();
  const state = useSyncExternalStore(
    (listener) => session.openpgp.on('change', listener),
    () => session.openpgp.state,
  );
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [code, setCode] = useState<string | null>(null);
  const [serverBackup, setServerBackup] = useState(false);
  const [typed, setTyped] = useState('');
  const codeId = useId();
  const fileId = useId();

  useEffect(() => void session.openpgp.load().catch(() => {}), [session]);
  useEffect(() => {
    if (session.status !== 'online' || state.fingerprint !== null) return;
    let cancelled = false;
    void session.openpgp.serverBackup().then((found) => !cancelled && setServerBackup(found)).catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [session, session.status, state.fingerprint]);

  async function act(work: () => Promise<unknown>, failure: (error: { code?: string }) => string) {
    setBusy(true);
    setProblem(null);
    try {
      await work();
    } catch (error) {
      setProblem(failure(error as { code?: string }));
    } finally {
      setBusy(false);
    }
  }
  const keyProblem = (error: { code?: string }) => t(`openpgp.errors.${error.code ?? 'failed'}`, { defaultValue: t('openpgp.errors.failed') });

  const restore = (event: FormEvent) => {
    event.preventDefault();
    void act(() => session.openpgp.restore(typed), keyProblem);
  };

  return (
    <section aria-labelledby="openpgp-title">
      <h3 id="openpgp-title">{t('openpgp.title')}</h3>
      <p className="muted">{t('openpgp.intro')}</p>
      {problem && <p role="alert">{problem}</p>}
      {state.fingerprint === undefined ? null : state.fingerprint === null ? (
        <>
          <p>{t('openpgp.noKey')}</p>
          <p className="actions">
            <button type="button" disabled={busy} onClick={() => void act(() => session.openpgp.generate(), keyProblem)}>
              {busy ? t('openpgp.working') : t('openpgp.generate')}
            </button>
          </p>
          <p>
            <label htmlFor={fileId}>{t('openpgp.import')}</label>{' '}
            <input
              id={fileId}
              type="file"
              accept=".asc,.gpg,.pgp,.key,application/pgp-keys"
              disabled={busy}
              onChange={(event) => {
                const file = event.target.files?.[0];
                event.target.value = '';
                if (file) void act(() => session.openpgp.importKey(file), keyProblem);
              }}
            />
          </p>
          {serverBackup && (
            <form onSubmit={restore}>
              <p>{t('openpgp.restoreIntro')}</p>
              <label htmlFor={codeId}>{t('openpgp.backupCode')}</label>{' '}
              <input id={codeId} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />{' '}
              <button type="submit" disabled={busy || !typed.trim()}>
                {t('openpgp.restore')}
              </button>
            </form>
          )}
        </>
      ) : (
        <>
          <p>
            {t('openpgp.yourFingerprint')} <code className="fingerprint">{groupedFingerprint(state.fingerprint)}</code>
          </p>
          {code ? (
            <div className="backup-made" role="status">
              <p>{t('openpgp.codeIntro')}</p>
              <p>
                <code className="backup-code" aria-label={t('openpgp.backupCode')}>
                  {code}
                </code>
              </p>
              <button type="button" onClick={() => setCode(null)}>
                {t('openpgp.codeNoted')}
              </button>
            </div>
          ) : (
            <p>
              {state.backedUp ? t('openpgp.backedUp') : t('openpgp.notBackedUp')}{' '}
              <button type="button" disabled={busy} onClick={() => void act(async () => setCode(await session.openpgp.backUp()), keyProblem)}>
                {state.backedUp ? t('openpgp.backUpAgain') : t('openpgp.backUp')}
              </button>
            </p>
          )}
        </>
      )}
    </section>
  );
}
