import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Session } from '../../session/index.ts';
import { DevicesDialog } from './DevicesDialog.tsx';

/**
 * What the session layer will do with messages in this chat: encrypt them,
 * refuse them (the contact has no OMEMO device: a warning and an explicit
 * choice), or send them in plain text because the user chose that.
 */
export function EncryptionBar({ session, peer, name }: { session: Session; peer: string; name: string }) {
  const { t } = useTranslation();
  const [showDevices, setShowDevices] = useState(false);
  const state = session.omemo.peer(peer);
  const online = session.status === 'online';
  useEffect(() => {
    if (online) void session.omemo.checkPeer(peer).catch(() => {});
  }, [session, peer, online]);
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
  if (state.hasDevices === false) {
    return (
      <p role="alert" className="notice encryption warning">
        {t('encryption.noDevices', { name })}{' '}
        <button type="button" onClick={() => void session.omemo.setMode(peer, 'plain')}>
          {t('encryption.sendPlain')}
        </button>
      </p>
    );
  }
  return (
    <p className="notice encryption on">
      {state.hasDevices === undefined ? t('encryption.chatChecking', { name }) : t('encryption.chatEncrypted')}{' '}
      <button type="button" onClick={() => setShowDevices(true)}>
        {t('encryption.showDevices')}
      </button>
      {showDevices && <DevicesDialog session={session} peer={peer} name={name} onClose={() => setShowDevices(false)} />}
    </p>
  );
}
