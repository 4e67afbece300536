import { useCallback, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Admin, AuditEntry } from '../../session/index.ts';
import { TaskMessage, useAdminTask } from './useAdminTask.tsx';

/** What the operators did: who, what, to what, when (never an address or a message), newest first. */
export function AuditTab({ admin }: { admin: Admin }) {
  const { t, i18n } = useTranslation();
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [more, setMore] = useState(false);
  const task = useAdminTask();
  const { run } = task;
  const id = useId();
  const load = useCallback(
    async (before?: number) => {
      const page = await run(() => admin.audit(before));
      if (!page) return;
      setEntries((current) => (before === undefined ? page : [...current, ...page]));
      setMore(page.length >= 50);
    },
    [admin, run],
  );
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('admin.audit.title')}</h3>
      <TaskMessage message={task.message} />
      <table className="audit">
        <thead>
          <tr>
            <th scope="col">{t('admin.audit.when')}</th>
            <th scope="col">{t('admin.audit.who')}</th>
            <th scope="col">{t('admin.audit.what')}</th>
            <th scope="col">{t('admin.audit.target')}</th>
            <th scope="col">{t('admin.audit.detail')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td>{entry.at.toLocaleString(i18n.language, { dateStyle: 'short', timeStyle: 'short' })}</td>
              <td>{entry.actor}</td>
              <td>{entry.action}</td>
              <td>{entry.target}</td>
              <td>{entry.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {more && (
        <button type="button" disabled={task.busy} onClick={() => void load(entries.at(-1)?.id)}>
          {t('admin.audit.older')}
        </button>
      )}
    </section>
  );
}
