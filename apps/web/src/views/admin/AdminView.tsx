import { useId, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Admin } from '../../session/index.ts';
import { AnnounceTab } from './AnnounceTab.tsx';
import { AuditTab } from './AuditTab.tsx';
import { FederationTab } from './FederationTab.tsx';
import { ReportsTab } from './ReportsTab.tsx';
import { RoomsTab } from './RoomsTab.tsx';
import { UsersTab } from './UsersTab.tsx';

const TABS = ['reports', 'users', 'federation', 'rooms', 'announce', 'audit'] as const;
type Tab = (typeof TABS)[number];

/**
 * The admin area: shown only to operators (the server lists its operator
 * commands to them alone, session.loadAdmin) and loaded only for them.
 * Everything it does is one of the server's ad-hoc commands, which the
 * server checks again, so it is no more powerful than any admin client.
 */
export function AdminView({ admin, onClose }: { admin: Admin; onClose(): void }) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<Tab>('reports');
  const base = useId();

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = TABS.indexOf(tab);
    const next = event.key === 'ArrowRight' ? TABS[(index + 1) % TABS.length] : event.key === 'ArrowLeft' ? TABS[(index + TABS.length - 1) % TABS.length] : null;
    if (!next) return;
    event.preventDefault();
    setTab(next);
    document.getElementById(`${base}-${next}`)?.focus();
  }

  return (
    <main className="settings admin" aria-labelledby={`${base}-title`}>
      <div className="panel-head">
        <h2 id={`${base}-title`}>{t('admin.title')}</h2>
        <button type="button" onClick={onClose}>
          {t('admin.close')}
        </button>
      </div>
      <div role="tablist" aria-label={t('admin.title')} className="tabs" onKeyDown={onKeyDown}>
        {TABS.map((name) => (
          <button
            key={name}
            id={`${base}-${name}`}
            type="button"
            role="tab"
            aria-selected={tab === name}
            aria-controls={`${base}-panel`}
            tabIndex={tab === name ? 0 : -1}
            onClick={() => setTab(name)}
          >
            {t(`admin.tabs.${name}`)}
          </button>
        ))}
      </div>
      <div id={`${base}-panel`} role="tabpanel" aria-labelledby={`${base}-${tab}`}>
        {tab === 'reports' && <ReportsTab admin={admin} />}
        {tab === 'users' && <UsersTab admin={admin} />}
        {tab === 'federation' && <FederationTab admin={admin} />}
        {tab === 'rooms' && <RoomsTab admin={admin} />}
        {tab === 'announce' && <AnnounceTab admin={admin} />}
        {tab === 'audit' && <AuditTab admin={admin} />}
      </div>
    </main>
  );
}
