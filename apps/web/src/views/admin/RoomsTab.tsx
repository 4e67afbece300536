import { useCallback, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Admin, AdminRoom } from '../../session/index.ts';
import { TaskMessage, useAdminTask } from './useAdminTask.tsx';

/** The group chat rooms (names and counts, never messages): close one to everyone but operators, open it again, or destroy it. */
export function RoomsTab({ admin }: { admin: Admin }) {
  const { t } = useTranslation();
  const [rooms, setRooms] = useState<AdminRoom[] | null>(null);
  const [destroying, setDestroying] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const task = useAdminTask();
  const { run } = task;
  const id = useId();
  const load = useCallback(async () => setRooms((await run(() => admin.rooms())) ?? null), [admin, run]);
  useEffect(() => {
    void load();
  }, [load]);
  const change = async (action: () => Promise<void>, done: string) => {
    await task.run(action, done);
    setDestroying(null);
    await load();
  };
  return (
    <section aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('admin.rooms.title')}</h3>
      <TaskMessage message={task.message} />
      {rooms && rooms.length === 0 && <p className="muted">{t('admin.rooms.none')}</p>}
      <ul className="plain admin-list" aria-label={t('admin.rooms.title')}>
        {rooms?.map((room) => (
          <li key={room.jid} className="admin-card" aria-label={room.jid}>
            <p>
              <strong>{room.jid}</strong> · {room.summary}
            </p>
            <div className="buttons">
              {room.closed ? (
                <button type="button" disabled={task.busy} onClick={() => void change(() => admin.setRoomClosed(room.jid, false), t('admin.rooms.openedDone'))}>
                  {t('admin.rooms.open')}
                </button>
              ) : (
                <button type="button" className="danger" disabled={task.busy} onClick={() => void change(() => admin.setRoomClosed(room.jid, true), t('admin.rooms.closedDone'))}>
                  {t('admin.rooms.close')}
                </button>
              )}
              <button type="button" className="danger" aria-expanded={destroying === room.jid} onClick={() => setDestroying(destroying === room.jid ? null : room.jid)}>
                {t('admin.rooms.destroy')}
              </button>
            </div>
            {destroying === room.jid && (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  void change(() => admin.destroyRoom(room.jid, reason), t('admin.rooms.destroyedDone'));
                }}
              >
                <div className="field">
                  <label htmlFor={`${id}-reason`}>{t('admin.rooms.reason')}</label>
                  <input id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
                </div>
                <button type="submit" className="danger" disabled={task.busy}>
                  {t('admin.rooms.confirmDestroy', { room: room.jid })}
                </button>
              </form>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
