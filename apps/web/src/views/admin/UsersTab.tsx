import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Admin, AdminInvitation, AdminUser } from '../../session/index.ts';
import { TaskMessage, useAdminTask } from './useAdminTask.tsx';

/** Find accounts and act on one: suspend (with a reason, told to the user or not), lift it, new password, delete; and invitations. */
export function UsersTab({ admin }: { admin: Admin }) {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const task = useAdminTask();
  const searchId = useId();

  async function search(e?: FormEvent) {
    e?.preventDefault();
    setUsers((await task.run(() => admin.findUsers(query))) ?? null);
  }

  return (
    <>
      <section aria-labelledby={`${searchId}-title`}>
        <h3 id={`${searchId}-title`}>{t('admin.users.title')}</h3>
        <form className="field inline" onSubmit={(e) => void search(e)}>
          <label htmlFor={searchId}>{t('admin.users.search')}</label>
          <input id={searchId} type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
          <button type="submit" disabled={task.busy}>
            {t('admin.users.find')}
          </button>
        </form>
        <TaskMessage message={task.message} />
        {users && users.length === 0 && <p className="muted">{t('admin.users.none')}</p>}
        <ul className="plain admin-list" aria-label={t('admin.users.title')}>
          {users?.map((user) => (
            <UserRow key={user.jid} admin={admin} user={user} onChanged={() => void search()} />
          ))}
        </ul>
      </section>
      <Invite admin={admin} />
    </>
  );
}

function UserRow({ admin, user, onChanged }: { admin: Admin; user: AdminUser; onChanged(): void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState<'suspend' | 'password' | 'delete' | null>(null);
  const [reason, setReason] = useState('');
  const [tell, setTell] = useState(false);
  const [password, setPassword] = useState('');
  const task = useAdminTask();
  const ids = useId();
  const done = async (action: () => Promise<void>, text: string) => {
    if ((await task.run(async () => (await action(), true), text)) === true) {
      setForm(null);
      onChanged();
    }
  };
  return (
    <li className="admin-card" aria-label={user.jid}>
      <p>
        <strong>{user.jid}</strong> · {user.suspended ? t('admin.users.state.suspended') : t('admin.users.state.active')}
        {user.suspended && user.reason && ` (${user.reason})`} · {t('admin.users.devices', { count: user.sessions })}
      </p>
      <div className="buttons">
        {user.suspended ? (
          <button type="button" disabled={task.busy} onClick={() => void done(() => admin.unsuspend(user.jid), t('admin.users.unsuspended', { jid: user.jid }))}>
            {t('admin.users.unsuspend')}
          </button>
        ) : (
          <button type="button" className="danger" aria-expanded={form === 'suspend'} onClick={() => setForm(form === 'suspend' ? null : 'suspend')}>
            {t('admin.users.suspend')}
          </button>
        )}
        <button type="button" aria-expanded={form === 'password'} onClick={() => setForm(form === 'password' ? null : 'password')}>
          {t('admin.users.password')}
        </button>
        <button type="button" className="danger" aria-expanded={form === 'delete'} onClick={() => setForm(form === 'delete' ? null : 'delete')}>
          {t('admin.users.delete')}
        </button>
      </div>
      {form === 'suspend' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void done(() => admin.suspend(user.jid, reason, tell), t('admin.users.suspended', { jid: user.jid }));
          }}
        >
          <p className="muted">{t('admin.users.suspendHint')}</p>
          <div className="field">
            <label htmlFor={`${ids}-reason`}>{t('admin.users.reason')}</label>
            <input id={`${ids}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
          </div>
          <label className="choice">
            <input type="checkbox" checked={tell} onChange={(e) => setTell(e.target.checked)} />
            {t('admin.users.tell')}
          </label>
          <button type="submit" className="danger" disabled={task.busy}>
            {t('admin.users.confirmSuspend', { jid: user.jid })}
          </button>
        </form>
      )}
      {form === 'password' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void done(() => admin.resetPassword(user.jid, password), t('admin.users.passwordDone', { jid: user.jid }));
          }}
        >
          <div className="field">
            <label htmlFor={`${ids}-password`}>{t('admin.users.newPassword')}</label>
            <input id={`${ids}-password`} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </div>
          <button type="submit" disabled={task.busy || password.length === 0}>
            {t('admin.users.setPassword')}
          </button>
        </form>
      )}
      {form === 'delete' && (
        <div role="group" aria-label={t('admin.users.delete')}>
          <p>{t('admin.users.deleteWarning', { jid: user.jid })}</p>
          <button type="button" className="danger" disabled={task.busy} onClick={() => void done(() => admin.deleteUser(user.jid), t('admin.users.deleted', { jid: user.jid }))}>
            {t('admin.users.confirmDelete', { jid: user.jid })}
          </button>
        </div>
      )}
      <TaskMessage message={task.message} />
    </li>
  );
}

function Invite({ admin }: { admin: Admin }) {
  const { t, i18n } = useTranslation();
  const [days, setDays] = useState('7');
  const [invitation, setInvitation] = useState<AdminInvitation | null>(null);
  const task = useAdminTask();
  const id = useId();
  return (
    <section aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('admin.invite.title')}</h3>
      <form
        className="field inline"
        onSubmit={(e) => {
          e.preventDefault();
          void task.run(() => admin.invite(Number(days))).then((made) => made && setInvitation(made));
        }}
      >
        <label htmlFor={id}>{t('admin.invite.days')}</label>
        <input id={id} type="number" min={1} max={366} value={days} onChange={(e) => setDays(e.target.value)} />
        <button type="submit" disabled={task.busy}>
          {t('admin.invite.create')}
        </button>
      </form>
      <TaskMessage message={task.message} />
      {invitation && (
        <div className="invitation" role="status">
          <p>{t('admin.invite.made', { when: invitation.expires.toLocaleString(i18n.language, { dateStyle: 'medium' }) })}</p>
          <input readOnly value={invitation.page ?? invitation.uri} aria-label={t('admin.invite.link')} onFocus={(e) => e.target.select()} />
        </div>
      )}
    </section>
  );
}
