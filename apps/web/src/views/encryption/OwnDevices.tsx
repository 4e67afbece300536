import './encryption.css';
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { OwnDevice, Session } from '../../session/index.ts';
import { FingerprintQr } from './FingerprintQr.tsx';
import { BackupCreator } from './BackupCreator.tsx';

/** "3 Dec 2026, 14:05" in the reader's language, or that it is unknown. */
export function useActivityText(): (when?: number) => string {
  const { t, i18n } = useTranslation();
  return (when) => (when ? t('encryption.lastActive', { when: new Date(when).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' }) }) : t('encryption.lastActiveUnknown'));
}

/**
 * Settings: this browser's OMEMO device (its name, which the user may
 * change, and fingerprint) and the account's other devices with their
 * names, fingerprints and last activity, where an old one can be removed so
 * that contacts stop encrypting for it.
 */
export function OwnDevices({ session }: { session: Session }) {
  const { t } = useTranslation();
  const activity = useActivityText();
  const [current, setCurrent] = useState<(OwnDevice & { fingerprint: string }) | null>(null);
  const [others, setOthers] = useState<OwnDevice[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [label, setLabel] = useState<string | null>(null);
  const labelId = useId();
  const load = useCallback(() => {
    session.omemo
      .ownDevices()
      .then((mine) => {
        setCurrent(mine.current);
        setOthers(mine.others.filter((d) => d.active));
      })
      .catch(() => setError(t('encryption.loadFailed')));
  }, [session, t]);
  // Another browser of ours may announce itself while this is open (a PEP notification): show it then.
  useEffect(() => {
    load();
    return session.omemo.on('change', load);
  }, [load, session]);
  const remove = (deviceId: number) =>
    void session.omemo
      .removeOwnDevice(deviceId)
      .then(load)
      .catch(() => setError(t('encryption.removeFailed')));
  const rename = (event: FormEvent) => {
    event.preventDefault();
    if (label === null) return;
    void session.omemo
      .renameThisDevice(label)
      .then(() => setLabel(null))
      .catch(() => setError(t('encryption.renameFailed')));
  };
  const name = (d: OwnDevice) => d.label ?? t('encryption.unnamedDevice');

  return (
    <section aria-labelledby="omemo-title">
      <h3 id="omemo-title">{t('encryption.ownTitle')}</h3>
      {error && <p role="alert">{error}</p>}
      {current && (
        <>
          <p>{t('encryption.thisDevice', { id: current.deviceId })}</p>
          <form className="inline" onSubmit={rename}>
            <label htmlFor={labelId}>{t('encryption.deviceName')}</label>{' '}
            <input id={labelId} value={label ?? current.label ?? ''} maxLength={64} onChange={(e) => setLabel(e.target.value)} />{' '}
            <button type="submit" disabled={label === null}>
              {t('encryption.saveName')}
            </button>
          </form>
          <p>{t('encryption.yourFingerprint')}:</p>
          <p>
            <code className="fingerprint">{current.fingerprint}</code>
          </p>
          <FingerprintQr jid={session.jid} devices={[current]} />
        </>
      )}
      <h4>{t('encryption.otherDevices')}</h4>
      {others.length === 0 ? (
        <p className="muted">{t('encryption.noOtherDevices')}</p>
      ) : (
        <ul className="devices" aria-label={t('encryption.otherDevices')}>
          {others.map((d) => (
            <li key={d.deviceId} aria-label={`${name(d)}, ${t('encryption.device', { id: d.deviceId })}`}>
              <span className="device-name">
                <strong>{name(d)}</strong> <span className="muted">{t('encryption.device', { id: d.deviceId })}</span>
              </span>
              <code className="fingerprint">{d.fingerprint ?? t('encryption.fingerprintUnknown')}</code>
              <span className="muted">{activity(d.lastActive)}</span>
              <span className="device-actions">
                <button type="button" onClick={() => remove(d.deviceId)}>
                  {t('encryption.removeDevice', { id: d.deviceId })}
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
      <h4>{t('backup.title')}</h4>
      <p className="muted">{t('backup.introSettings')}</p>
      <BackupCreator session={session} />
    </section>
  );
}
