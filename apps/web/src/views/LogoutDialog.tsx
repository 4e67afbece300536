import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Session } from '../session/index.ts';
import { Dialog } from './Dialog.tsx';
import { BackupCreator } from './encryption/BackupCreator.tsx';

/**
 * Logging out deletes this browser's copy of everything: says so before it
 * happens, and offers the encrypted backup first.
 */
export function LogoutDialog({ session, onLogout, onClose }: { session: Session; onLogout(): void; onClose(): void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={t('logout.title')} onClose={onClose}>
      <p>{t('logout.deletes')}</p>
      <ul>
        <li>{t('logout.messages')}</li>
        <li>{t('logout.keys')}</li>
        <li>{t('logout.login')}</li>
      </ul>
      <p>{t('logout.stays')}</p>
      <h3>{t('backup.title')}</h3>
      <p className="muted">{t('backup.intro')}</p>
      <BackupCreator session={session} />
      <div className="buttons">
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            onLogout();
          }}
        >
          {busy ? t('logout.working') : t('logout.confirm')}
        </button>
        <button type="button" onClick={onClose}>
          {t('logout.cancel')}
        </button>
      </div>
    </Dialog>
  );
}
