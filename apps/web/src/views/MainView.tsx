import { lazy, Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifyMessage, titleFor } from '../notifications.ts';
import type { Admin, Session } from '../session/index.ts';
import { ChatView } from './ChatView.tsx';
import { ContactPanel } from './ContactPanel.tsx';
import { Notices } from './Notices.tsx';
import { RoomPanel } from './rooms/RoomPanel.tsx';
import { RoomView } from './rooms/RoomView.tsx';
import { LogoutDialog } from './LogoutDialog.tsx';
import { SettingsView } from './SettingsView.tsx';
import { useSessionVersion } from './useSession.ts';

// Operators only: loaded when the admin area opens, so nobody else downloads it.
const AdminView = lazy(() => import('./admin/AdminView.tsx').then((module) => ({ default: module.AdminView })));

interface Props {
  session: Session;
  /** whether a typed text is the account's password (checked on this device, never sent) */
  checkPassword(typed: string): Promise<boolean>;
  onLogout(): void;
  onPasswordChanged(password: string): void;
  onDeleted(): void;
}

export function MainView({ session, checkPassword, onLogout, onPasswordChanged, onDeleted }: Props) {
  const { t } = useTranslation();
  useSessionVersion(session);
  const [peer, setPeer] = useState<string | null>(null);
  const [settings, setSettings] = useState(false);
  const [admin, setAdmin] = useState<Admin | null>(null);
  const [adminOpen, setAdminOpen] = useState(false);
  const [room, setRoom] = useState<string | null>(null);
  const [loggingOut, setLoggingOut] = useState(false);
  const status = session.status;

  useEffect(() => {
    session.chats.setActive(settings || document.visibilityState !== 'visible' ? null : peer);
    session.groupchats.store.setActive(settings || document.visibilityState !== 'visible' ? null : room);
  }, [session, peer, room, settings]);

  // The server lists its operator commands to operators alone: then the admin area is offered.
  useEffect(() => {
    if (status !== 'online' || admin) return;
    let cancelled = false;
    session.loadAdmin().then((found) => !cancelled && setAdmin(found), () => {});
    return () => {
      cancelled = true;
    };
  }, [session, status, admin]);

  const unread = session.chats.totalUnread + session.groupchats.store.totalUnread;
  useEffect(() => {
    document.title = titleFor(unread);
  }, [unread]);

  useEffect(() => {
    const off = session.on('incoming', (m) => notifyMessage(m, t('notify.newMessage', { name: session.roster.displayName(m.peer) }), (p) => setPeer(p)));
    // In a group only what names us is worth interrupting someone for.
    const offRooms = session.groupchats.store.on('incoming', (m) => {
      const r = session.groupchats.store.get(m.peer);
      if (!r || !m.body.toLowerCase().includes(r.nick.toLowerCase())) return;
      notifyMessage(m, t('rooms.newMessage', { room: r.name || r.jid }), (jid) => {
        setPeer(null);
        setRoom(jid);
      });
    });
    // While the tab is hidden nothing is being read: new messages count as unread (title badge).
    // A chat that becomes visible again has been read.
    const visible = () => {
      session.groupchats.store.setActive(document.visibilityState === 'visible' && !settings ? room : null);
      if (document.visibilityState !== 'visible') session.chats.setActive(null);
      else if (peer && !settings) {
        session.chats.setActive(peer);
        session.markDisplayed(peer);
      }
    };
    document.addEventListener('visibilitychange', visible);
    return () => {
      off();
      offRooms();
      document.removeEventListener('visibilitychange', visible);
    };
  }, [session, peer, room, settings, t]);

  const statusText = status === 'online' ? t('status.online') : status === 'connecting' ? t('status.connecting') : t('status.offline');
  return (
    <div className={`main${peer || room || settings || adminOpen ? ' has-chat' : ''}`}>
      <header className="top" role="banner">
        <span className="brand">{t('app.name')}</span>
        <span className="self" title={t('header.you', { jid: session.jid })}>
          {session.jid}
        </span>
        <span role="status" className={`conn conn-${status}`}>
          {statusText}
        </span>
        {admin && (
          <button type="button" onClick={() => setAdminOpen(true)} aria-pressed={adminOpen}>
            {t('header.admin')}
          </button>
        )}
        <button
          type="button"
          onClick={() => {
            setAdminOpen(false);
            setSettings(true);
          }}
          aria-pressed={settings}
        >
          {t('header.settings')}
        </button>
        <button type="button" onClick={() => setLoggingOut(true)}>
          {t('header.logout')}
        </button>
      </header>
      {loggingOut && <LogoutDialog session={session} onLogout={onLogout} onClose={() => setLoggingOut(false)} />}
      {status !== 'online' && <p className="offline-banner">{t('status.offlineBanner')}</p>}
      <Notices session={session} />
      <div className="panes">
        <div className="side">
          <ContactPanel
            session={session}
            activePeer={peer}
            onOpen={(p) => {
              setSettings(false);
              setAdminOpen(false);
              setRoom(null);
              setPeer(p);
            }}
          />
          <RoomPanel
            session={session}
            activeRoom={room}
            onOpen={(r) => {
              setSettings(false);
              setAdminOpen(false);
              setPeer(null);
              setRoom(r);
            }}
          />
        </div>
        {adminOpen && admin ? (
          <Suspense fallback={<p className="center muted">{t('status.connecting')}</p>}>
            <AdminView admin={admin} onClose={() => setAdminOpen(false)} />
          </Suspense>
        ) : settings ? (
          <SettingsView session={session} checkPassword={checkPassword} onClose={() => setSettings(false)} onPasswordChanged={onPasswordChanged} onDeleted={onDeleted} />
        ) : room && session.groupchats.store.get(room) ? (
          <RoomView key={room} session={session} room={room} onBack={() => setRoom(null)} />
        ) : peer ? (
          <ChatView key={peer} session={session} peer={peer} onBack={() => setPeer(null)} />
        ) : (
          <main className="empty" aria-label={t('chat.empty')}>
            <p className="muted">{t('chat.empty')}</p>
          </main>
        )}
      </div>
    </div>
  );
}
