import { useCallback, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Admin, FederationLists } from '../../session/index.ts';
import { TaskMessage, useAdminTask } from './useAdminTask.tsx';

/** Which servers this one talks to: the block list (with subdomains) and the allow list (empty: everyone not blocked). */
export function FederationTab({ admin }: { admin: Admin }) {
  const { t } = useTranslation();
  const [lists, setLists] = useState<FederationLists | null>(null);
  const [domain, setDomain] = useState('');
  const [allowed, setAllowed] = useState('');
  const task = useAdminTask();
  const { run } = task;
  const id = useId();
  const load = useCallback(async () => {
    const found = await run(() => admin.federation());
    if (found) {
      setLists(found);
      setAllowed(found.allowed.join('\n'));
    }
  }, [admin, run]);
  useEffect(() => {
    void load();
  }, [load]);
  const change = async (action: () => Promise<void>, done: string) => {
    await task.run(action, done);
    await load();
  };
  return (
    <section aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('admin.federation.title')}</h3>
      <TaskMessage message={task.message} />
      {lists && <p className="muted">{t('admin.federation.source', { source: lists.source })}</p>}
      <h4>{t('admin.federation.blockedTitle')}</h4>
      {lists && lists.blocked.length === 0 && <p className="muted">{t('admin.federation.noneBlocked')}</p>}
      <ul className="plain">
        {lists?.blocked.map((blocked) => (
          <li key={blocked}>
            {blocked}{' '}
            <button type="button" disabled={task.busy} onClick={() => void change(() => admin.unblock([blocked]), t('admin.federation.unblocked', { domain: blocked }))} aria-label={t('admin.federation.unblockOne', { domain: blocked })}>
              {t('admin.federation.unblock')}
            </button>
          </li>
        ))}
      </ul>
      <form
        className="field inline"
        onSubmit={(e) => {
          e.preventDefault();
          const next = domain.trim();
          if (next) void change(() => admin.block([next]), t('admin.federation.blocked', { domain: next })).then(() => setDomain(''));
        }}
      >
        <label htmlFor={`${id}-block`}>{t('admin.federation.blockLabel')}</label>
        <input id={`${id}-block`} value={domain} onChange={(e) => setDomain(e.target.value)} placeholder="example.org" />
        <button type="submit" className="danger" disabled={task.busy}>
          {t('admin.federation.block')}
        </button>
      </form>
      <h4>{t('admin.federation.allowedTitle')}</h4>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const domains = allowed.split('\n').map((line) => line.trim()).filter(Boolean);
          void change(() => admin.setAllowList(domains), t('admin.federation.allowSaved'));
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-allow`}>{t('admin.federation.allowLabel')}</label>
          <textarea id={`${id}-allow`} value={allowed} onChange={(e) => setAllowed(e.target.value)} rows={4} />
        </div>
        <button type="submit" disabled={task.busy}>
          {t('admin.federation.saveAllow')}
        </button>
      </form>
    </section>
  );
}
