import './encryption.css';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { backupFileName, newBackupCode, type Session } from '../../session/index.ts';

/**
 * Makes the encrypted backup of this browser's keys and history: a file to
 * save and a backup code shown once, which nothing else can replace.
 */
export function BackupCreator({ session, onMade }: { session: Session; onMade?(): void }) {
  const { t } = useTranslation();
  const [made, setMade] = useState<{ url: string; code: string; name: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  useEffect(() => () => void (made && URL.revokeObjectURL(made.url)), [made]);

  async function make() {
    setBusy(true);
    setFailed(false);
    try {
      const code = newBackupCode();
      const blob = await session.createBackup(code);
      setMade({ url: URL.createObjectURL(blob), code, name: backupFileName(session.jid) });
      onMade?.();
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }

  if (!made) {
    return (
      <p>
        <button type="button" onClick={() => void make()} disabled={busy}>
          {busy ? t('backup.making') : t('backup.make')}
        </button>
        {failed && <span role="alert"> {t('backup.failed')}</span>}
      </p>
    );
  }
  return (
    <div className="backup-made" role="status">
      <p>{t('backup.codeIntro')}</p>
      <p>
        <code className="backup-code" aria-label={t('backup.codeLabel')}>
          {made.code}
        </code>
      </p>
      <p>
        <a href={made.url} download={made.name}>
          {t('backup.save', { name: made.name })}
        </a>
      </p>
    </div>
  );
}
