import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Session } from '../../session/index.ts';
import { roomProblem } from './errors.ts';
import { JoinRoomDialog } from './JoinRoomDialog.tsx';
import './i18n.ts';
import './rooms.css';

/** The groups beside the contacts: invitations, the rooms we are in with unread counts, and the way into new ones. */
export function RoomPanel({ session, activeRoom, onOpen }: { session: Session; activeRoom: string | null; onOpen(room: string): void }) {
  const { t } = useTranslation();
  const [joining, setJoining] = useState<{ room?: string; password?: string } | null>(null);
  const [accepting, setAccepting] = useState<string | null>(null);
  const [problem, setProblem] = useState<{ room: string; text: string } | null>(null);
  const { store, invitations } = session.groupchats;
  const rooms = store.rooms;

  /** One step: accepting enters the room and shows it; only a refusal (a taken nickname…) is explained here. */
  async function accept(room: string) {
    setAccepting(room);
    setProblem(null);
    try {
      await session.groupchats.acceptInvitation(room);
      onOpen(room);
    } catch (error) {
      setProblem({ room, text: roomProblem(t, error) });
    } finally {
      setAccepting(null);
    }
  }

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
            {invitations.map((inv) => {
              const room = inv.name || inv.room;
              return (
                <li key={inv.room}>
                  <span>
                    {t('rooms.invite.received', { from: session.roster.displayName(inv.from), room })}
                    {inv.reason ? `: ${inv.reason}` : ''}
                  </span>
                  {problem?.room === inv.room && (
                    <span role="alert" className="error">
                      {problem.text}
                    </span>
                  )}
                  <span className="actions">
                    <button type="button" className="primary" aria-label={t('rooms.invite.acceptLabel', { room })} disabled={accepting === inv.room} onClick={() => void accept(inv.room)}>
                      {t('rooms.invite.accept')}
                    </button>
                    <button type="button" aria-label={t('rooms.invite.declineLabel', { room })} onClick={() => session.groupchats.dismissInvitation(inv.room)}>
                      {t('rooms.invite.decline')}
                    </button>
                  </span>
                </li>
              );
            })}
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
            return (
              <li key={room.jid}>
                <button type="button" className={`contact${room.jid === activeRoom ? ' active' : ''}`} aria-current={room.jid === activeRoom ? 'true' : undefined} onClick={() => onOpen(room.jid)}>
                  <span className="room-icon" aria-hidden="true">
                    #
                  </span>
                  <span className="contact-text">
                    <span className="contact-name">{name}</span>
                    {(state || room.subject) && <span className="sr-only">, </span>}
                    <span className="contact-presence">{state || room.subject}</span>
                  </span>
                  {room.unread > 0 && (
                    <>
                      <span className="sr-only">, {t('rooms.unread', { count: room.unread })}</span>
                      <span className="badge" aria-hidden="true">
                        {room.unread}
                      </span>
                    </>
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
