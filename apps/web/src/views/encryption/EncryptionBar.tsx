import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Session } from '../../session/index.ts';
import { DevicesDialog } from './DevicesDialog.tsx';
import { groupedFingerprint } from './OpenPgpSettings.tsx';

/**
 * What the session layer will do with messages in this chat: encrypt them
 * (OMEMO, or OpenPGP where the user chose it), refuse them (no key to
 * encrypt to: a warning and an explicit choice), or send them in plain text
 * because the user chose that.
 */
export function EncryptionBar({ session, peer, name }: { session: Session; peer: string; name: string }) {
  const { t } = useTranslation();
  const [showDevices, setShowDevices] = useState(false);
  const state = session.omemo.peer(peer);
  const online = session.status === 'online';
  useEffect(() => {
    if (online) void session.omemo.checkPeer(peer).catch(() => {});
  }, [session, peer, online]);
  const openpgp = state.mode === 'openpgp';
  const ownPgp = session.openpgp.state.fingerprint;
  useEffect(() => void session.openpgp.load().catch(() => {}), [session]);
  useEffect(() => {
    if (online && openpgp) void session.openpgp.checkPeer(peer).catch(() => {});
  }, [session, peer, online, openpgp]);
  const useOpenPgp = ownPgp ? (
    <button type="button" onClick={() => void session.omemo.setMode(peer, 'openpgp')}>
      {t('openpgp.useInChat')}
    </button>
  ) : null;
  const useOmemo = (
    <button type="button" onClick={() => void session.omemo.setMode(peer, 'omemo')}>
      {t('openpgp.useOmemo')}
    </button>
  );
  // While no device is known, look again now and then: the contact may be setting up their first one.
  const waiting = online && state.mode === 'omemo' && state.hasDevices !== true;
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => void session.omemo.checkPeer(peer, true).catch(() => {}), 5000);
    return () => clearInterval(timer);
  }, [session, peer, waiting]);

  if (session.omemo.removed) {
    return (
      <p role="alert" className="notice encryption warning">
        {t('encryption.removedHere')}{' '}
        <button type="button" onClick={() => void session.omemo.useAgain().catch(() => {})}>
          {t('encryption.useAgain')}
        </button>
      </p>
    );
  }
  if (state.mode === 'plain') {
    return (
      <p className="notice encryption plain">
        {t('encryption.chatPlain')}{' '}
        <button type="button" onClick={() => void session.omemo.setMode(peer, 'omemo')}>
          {t('encryption.encryptAgain')}
        </button>
      </p>
    );
  }
  if (openpgp) {
    const theirs = session.openpgp.peer(peer);
    if (!ownPgp) {
      return (
        <p role="alert" className="notice encryption warning">
          {t('openpgp.chatNoOwnKey')} {useOmemo}
        </p>
      );
    }
    if (theirs.fingerprint === null) {
      return (
        <p role="alert" className="notice encryption warning">
          {t('openpgp.chatNoKey', { name })} {useOmemo}
        </p>
      );
    }
    return (
      <div className="notice encryption on">
        <p>
          {t('openpgp.chatEncrypted')} {useOmemo}
        </p>
        {theirs.fingerprint && (
          <p>
            {t('openpgp.theirFingerprint', { name })} <code className="fingerprint">{groupedFingerprint(theirs.fingerprint)}</code>
            <label>
              <input type="checkbox" checked={theirs.verified ?? false} onChange={(e) => void session.openpgp.setVerified(peer, theirs.fingerprint!, e.target.checked)} /> {t('openpgp.verified')}
            </label>
          </p>
        )}
      </div>
    );
  }
  if (state.hasDevices === false) {
    return (
      <p role="alert" className="notice encryption warning">
        {t('encryption.noDevices', { name })}{' '}
        <button type="button" onClick={() => void session.omemo.setMode(peer, 'plain')}>
          {t('encryption.sendPlain')}
        </button>{' '}
        {useOpenPgp}
      </p>
    );
  }
  return (
    <p className="notice encryption on">
      {state.hasDevices === undefined ? t('encryption.chatChecking', { name }) : t('encryption.chatEncrypted')}{' '}
      <button type="button" onClick={() => setShowDevices(true)}>
        {t('encryption.showDevices')}
      </button>{' '}
      {useOpenPgp}
      {showDevices && <DevicesDialog session={session} peer={peer} name={name} onClose={() => setShowDevices(false)} />}
    </p>
  );
}
