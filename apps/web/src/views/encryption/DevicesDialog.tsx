import './encryption.css';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Session } from '../../session/index.ts';
import { Dialog } from '../Dialog.tsx';
import { FingerprintQr } from './FingerprintQr.tsx';

/** A contact's OMEMO devices with their fingerprints: verify, distrust, or trust again; our own fingerprint to compare. */
export function DevicesDialog({ session, peer, name, onClose }: { session: Session; peer: string; name: string; onClose(): void }) {
  const { t } = useTranslation();
  const [own, setOwn] = useState<{ deviceId: number; fingerprint: string } | null>(null);
  const [failed, setFailed] = useState(false);
  const devices = session.omemo.peer(peer).devices.filter((d) => d.fingerprint);
  useEffect(() => {
    void session.omemo.checkPeer(peer);
    void session.omemo
      .ownDevices()
      .then((mine) => setOwn(mine.current))
      .catch(() => setFailed(true));
  }, [session, peer]);
  const act = (deviceId: number, level: 'verified' | 'distrusted' | 'blind') => void session.omemo.setTrust(peer, deviceId, level).catch(() => setFailed(true));

  return (
    <Dialog title={t('encryption.devicesTitle', { name })} onClose={onClose}>
      <p>{t('encryption.devicesIntro', { name })}</p>
      {failed && <p role="alert">{t('encryption.loadFailed')}</p>}
      {devices.length === 0 ? (
        <p className="muted">{t('encryption.noKnownDevices')}</p>
      ) : (
        <ul className="devices" aria-label={t('encryption.devicesTitle', { name })}>
          {devices.map((d) => (
            <li key={d.deviceId}>
              <span className="device-name">
                <strong>{t('encryption.device', { id: d.deviceId })}</strong>
                {!d.active && <span className="muted"> ({t('encryption.inactive')})</span>}
              </span>
              <code className="fingerprint">{d.fingerprint}</code>
              <span className={`trust trust-${d.trust}`}>{t(`encryption.trust.${d.trust ?? 'blind'}`)}</span>
              <span className="device-actions">
                {d.trust !== 'verified' && (
                  <button type="button" onClick={() => act(d.deviceId, 'verified')}>
                    {t('encryption.verify', { id: d.deviceId })}
                  </button>
                )}
                {d.trust !== 'distrusted' && (
                  <button type="button" onClick={() => act(d.deviceId, 'distrusted')}>
                    {t('encryption.distrust', { id: d.deviceId })}
                  </button>
                )}
                {(d.trust === 'distrusted' || d.trust === 'undecided') && (
                  <button type="button" onClick={() => act(d.deviceId, 'blind')}>
                    {t('encryption.resetTrust', { id: d.deviceId })}
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
      {own && (
        <section aria-label={t('encryption.yourFingerprint')}>
          <h3>{t('encryption.yourFingerprint')}</h3>
          <p>
            <code className="fingerprint">{own.fingerprint}</code>
          </p>
          <FingerprintQr jid={session.jid} devices={[own]} />
        </section>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          {t('encryption.close')}
        </button>
      </div>
    </Dialog>
  );
}
