import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DeviceInfo, Session } from '../../session/index.ts';
import { FingerprintQr } from './FingerprintQr.tsx';

/** Settings: this browser's OMEMO device and fingerprint, and the account's other devices, which can be removed. */
export function OwnDevices({ session }: { session: Session }) {
  const { t } = useTranslation();
  const [current, setCurrent] = useState<{ deviceId: number; fingerprint: string } | null>(null);
  const [others, setOthers] = useState<DeviceInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
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

  return (
    <section aria-labelledby="omemo-title">
      <h3 id="omemo-title">{t('encryption.ownTitle')}</h3>
      {error && <p role="alert">{error}</p>}
      {current && (
        <>
          <p>{t('encryption.thisDevice', { id: current.deviceId })}</p>
          <p>
            {t('encryption.yourFingerprint')}: <code className="fingerprint">{current.fingerprint}</code>
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
            <li key={d.deviceId}>
              <strong>{t('encryption.device', { id: d.deviceId })}</strong> <code className="fingerprint">{d.fingerprint ?? '—'}</code>{' '}
              <button type="button" onClick={() => remove(d.deviceId)}>
                {t('encryption.removeDevice', { id: d.deviceId })}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
