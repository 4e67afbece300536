import './encryption.css';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { BackupError, restoreBackup } from '../../session/index.ts';

/** On the login screen: a backup file and its code make this browser continue as the backed-up one. */
export function RestoreBackup({ onRestored }: { onRestored(jid: string): void }) {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const ids = { file: useId(), code: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file || !code.trim()) return setResult({ ok: false, text: t('backup.restoreMissing') });
    setBusy(true);
    setResult(null);
    try {
      const summary = await restoreBackup(file, code);
      setResult({ ok: true, text: t('backup.restored', { jid: summary.jid, count: summary.messages }) });
      onRestored(summary.jid);
    } catch (error) {
      const reason = error instanceof BackupError ? error.reason : 'failed';
      setResult({ ok: false, text: t(`backup.restoreErrors.${reason}`, { defaultValue: t('backup.restoreErrors.failed') }) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="restore">
      <summary>{t('backup.restoreTitle')}</summary>
      <form onSubmit={submit} noValidate>
        <p className="muted">{t('backup.restoreIntro')}</p>
        <div className="field">
          <label htmlFor={ids.file}>{t('backup.file')}</label>
          <input id={ids.file} type="file" accept=".backup,application/json" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </div>
        <div className="field">
          <label htmlFor={ids.code}>{t('backup.codeLabel')}</label>
          <input id={ids.code} value={code} onChange={(e) => setCode(e.target.value)} autoCapitalize="characters" autoComplete="off" spellCheck={false} maxLength={64} />
        </div>
        {result && (
          <p role={result.ok ? 'status' : 'alert'} className={result.ok ? 'ok' : 'error'}>
            {result.text}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? t('backup.restoring') : t('backup.restore')}
        </button>
      </form>
    </details>
  );
}
