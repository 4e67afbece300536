import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Session } from '../../session/index.ts';
import { JoinRoomDialog } from './JoinRoomDialog.tsx';
import './i18n.ts';
import './rooms.css';

/** The groups beside the contacts: invitations, the rooms we are in with unread counts, and the way into new ones. */
export function RoomPanel({ session, activeRoom, onOpen }: { session: Session; activeRoom: string | null; onOpen(room: string): void }) {
  const { t } = useTranslation();
  const [joining, setJoining] = useState<{ room?: string; password?: string } | null>(null);
  const { store, invitations } = session.groupchats;
  const rooms = store.rooms;

  return (
    <nav className="rooms" aria-label={t('rooms.title')}>
      <div className="panel-head">
        <h2>{t('rooms.title')}</h2>
        <button type="button" onClick={() => setJoining({})}>
          {t('rooms.open')}
        </button>
      </div>
      {invitations.length > 0 && (
        <section aria-label={t('rooms.invite.heading')} className="requests">
          <h3>{t('rooms.invite.heading')}</h3>
          <ul>
            {invitations.map((inv) => (
              <li key={inv.room}>
                <span>
                  {t('rooms.invite.received', { from: session.roster.displayName(inv.from), room: inv.room })}
                  {inv.reason ? `: ${inv.reason}` : ''}
                </span>
                <span className="actions">
                  <button type="button" className="primary" aria-label={t('rooms.invite.acceptLabel', { room: inv.room })} onClick={() => setJoining({ room: inv.room, password: inv.password })}>
                    {t('rooms.invite.accept')}
                  </button>
                  <button type="button" aria-label={t('rooms.invite.declineLabel', { room: inv.room })} onClick={() => session.groupchats.dismissInvitation(inv.room)}>
                    {t('rooms.invite.decline')}
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {rooms.length === 0 ? (
        <p className="muted">{t('rooms.empty')}</p>
      ) : (
        <ul aria-label={t('rooms.list')} className="contact-list">
          {rooms.map((room) => {
            const name = room.name || room.jid.split('@')[0] || room.jid;
            const state = room.state === 'joined' ? '' : room.state === 'joining' ? t('rooms.joining') : t('rooms.notIn');
            const label = [name, state || null, room.unread > 0 ? t('rooms.unread', { count: room.unread }) : null].filter(Boolean).join(', ');
            return (
              <li key={room.jid}>
                <button type="button" className={`contact${room.jid === activeRoom ? ' active' : ''}`} aria-label={label} aria-current={room.jid === activeRoom ? 'true' : undefined} onClick={() => onOpen(room.jid)}>
                  <span className="room-icon" aria-hidden="true">
                    #
                  </span>
                  <span className="contact-text">
                    <span className="contact-name">{name}</span>
                    <span className="contact-presence">{state || room.subject}</span>
                  </span>
                  {room.unread > 0 && (
                    <span className="badge" aria-hidden="true">
                      {room.unread}
                    </span>
                  )}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {joining && (
        <JoinRoomDialog
          session={session}
          initialRoom={joining.room}
          initialPassword={joining.password}
          onClose={() => setJoining(null)}
          onJoined={(room) => {
            session.groupchats.dismissInvitation(room);
            setJoining(null);
            onOpen(room);
          }}
        />
      )}
    </nav>
  );
}
