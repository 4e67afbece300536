import { useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { MAX_BODY_CHARS, MessageTooLongError, type RoomMessage, type Session } from '../../session/index.ts';
import { ActionsMenu, type MenuAction } from '../ActionsMenu.tsx';
import { Composer } from '../Composer.tsx';
import { MessageItem, type MessageActions } from '../MessageItem.tsx';
import { NewMessagesPill } from '../NewMessagesPill.tsx';
import { ReportDialog, type ReportTarget } from '../ReportDialog.tsx';
import { useArchivePaging } from '../useArchivePaging.ts';
import { roomProblem } from './errors.ts';
import { RoomEncryptionBar } from '../encryption/RoomEncryptionBar.tsx';
import { OccupantList } from './OccupantList.tsx';
import { RoomDialogs, type RoomDialog } from './RoomDialogs.tsx';
import './i18n.ts';

/** One group: its topic, messages (join history, then the room archive when scrolling up), members and the composer. */
export function RoomView({ session, room: jid, onBack }: { session: Session; room: string; onBack(): void }) {
  const { t } = useTranslation();
  const chats = session.groupchats;
  const room = chats.store.get(jid);
  const messages = useMemo(() => room?.messages ?? [], [room?.messages]);
  const [replyTo, setReplyTo] = useState<RoomMessage | null>(null);
  const [editing, setEditing] = useState<RoomMessage | null>(null);
  const [dialog, setDialog] = useState<RoomDialog | null>(null);
  const [showMembers, setShowMembers] = useState(false);
  const [reporting, setReporting] = useState<ReportTarget | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [privateTo, setPrivateTo] = useState<string | null>(null);
  const load = useCallback(() => chats.loadOlder(jid), [chats, jid]);
  const joined = room?.state === 'joined';
  const paging = useArchivePaging({ load, chat: jid, messages, complete: room?.historyComplete ?? false, ready: joined });

  const act = useCallback(
    (action: () => Promise<unknown>) => {
      setFailure(null);
      action().catch((error: unknown) => setFailure(t('rooms.view.failed', { reason: roomProblem(t, error) })));
    },
    [t],
  );

  const moderator = room?.role === 'moderator';
  const lastOwn = useMemo(() => [...messages].reverse().find((m) => m.outgoing && !m.retracted && !m.file), [messages]);
  const byId = useMemo(() => new Map(messages.flatMap((m) => (m.archiveId ? [[m.id, m] as const, [m.archiveId, m] as const] : [[m.id, m] as const]))), [messages]);
  const nameOf = useCallback((reactor: string) => room?.occupants.find((o) => o.occupantId === reactor)?.nick ?? reactor, [room?.occupants]);
  const actions: MessageActions = useMemo(
    () => ({
      reply: (m) => {
        setEditing(null);
        setReplyTo(m as RoomMessage);
      },
      edit: (m) => {
        setReplyTo(null);
        setEditing(m as RoomMessage);
      },
      retract: (m) => act(() => chats.retractOwn(jid, m as RoomMessage)),
      react: (m, emojis) => act(() => chats.react(jid, m as RoomMessage, emojis)),
      // The room's archive id names the message; the occupant's address names who wrote it.
      report: (m) => {
        const { nick, archiveId } = m as RoomMessage;
        if (nick) setReporting({ jid: `${jid}/${nick}`, name: nick, kind: 'roomMessage', ...(archiveId ? { message: { id: archiveId, by: jid } } : {}) });
      },
    }),
    [act, chats, jid],
  );

  if (!room) return null;
  const title = room.name || jid;
  const groupActions: MenuAction[] = [
    { label: t('rooms.view.members', { count: room.occupants.length }), expanded: showMembers, onSelect: () => setShowMembers(!showMembers) },
    ...(room.state === 'joined'
      ? [
          { label: t('rooms.view.invite'), onSelect: () => setDialog('invite') },
          { label: t('rooms.view.changeNick'), onSelect: () => setDialog('nick') },
          ...(moderator || room.affiliation === 'owner' ? [{ label: t('rooms.view.changeSubject'), onSelect: () => setDialog('subject') }] : []),
          ...(room.affiliation === 'owner' ? [{ label: t('rooms.view.settings'), onSelect: () => setDialog('settings') }] : []),
        ]
      : []),
    {
      label: t('rooms.view.leave'),
      onSelect: () => {
        void chats.leave(jid);
        onBack();
      },
    },
    { label: t('report.room'), onSelect: () => setReporting({ jid, name: title, kind: 'room' }), danger: true },
  ];

  async function send(text: string) {
    try {
      if (privateTo) await chats.sendPrivate(jid, privateTo, text);
      else if (editing) await chats.correct(jid, editing.id, text);
      else await chats.send(jid, text, { replyTo: replyTo ?? undefined });
    } catch (error) {
      if (error instanceof MessageTooLongError) throw new Error(t('chat.tooLong', { max: MAX_BODY_CHARS }), { cause: error });
      // Nothing typed is lost: the composer keeps the text and shows why it did not go.
      if (session.status !== 'online') throw new Error(t('rooms.errors.offline'), { cause: error });
      throw new Error(room?.state === 'joined' ? roomProblem(t, error) : t('rooms.view.notJoined'), { cause: error });
    }
    paging.toBottom();
    setReplyTo(null);
    setEditing(null);
    setDraft('');
  }

  return (
    <main className="chat room" aria-label={title}>
      <header className="chat-head">
        <button type="button" className="back" onClick={onBack}>
          <span aria-hidden="true">←</span> <span className="back-label">{t('chat.back')}</span>
        </button>
        <div className="chat-title">
          <h2>{title}</h2>
          <span className="muted">{room.subject ? t('rooms.view.subject', { subject: room.subject }) : jid}</span>
        </div>
        <div className="chat-actions">
          {groupActions.map((action) => (
            <button key={action.label} type="button" className={action.danger ? 'danger' : undefined} aria-expanded={action.expanded} onClick={action.onSelect}>
              {action.label}
            </button>
          ))}
        </div>
        {/* On a phone the same actions wait in a menu, so the header stays one line and the messages keep the screen. */}
        <ActionsMenu label={t('rooms.view.actions')} actions={groupActions} />
      </header>
      {room.state === 'joined' && <RoomEncryptionBar session={session} room={jid} />}
      {room.state !== 'joined' && (
        <p className="notice" role="status">
          {room.state === 'joining' ? t('rooms.joining') : room.problem ? roomProblem(t, room.problem) : t('rooms.view.notJoined')}{' '}
          {room.state !== 'joining' && (
            <button type="button" onClick={() => act(() => chats.join(jid, room.nick, { password: room.password, name: room.name || undefined }))}>
              {t('rooms.view.rejoin')}
            </button>
          )}
        </p>
      )}
      {failure && (
        <p role="alert" className="error">
          {failure}
        </p>
      )}
      <div className="room-body">
        <div
          className="log"
          role="log"
          aria-label={t('rooms.view.messages')}
          ref={paging.log}
          tabIndex={0}
          onScroll={paging.onScroll}
        >
          {room.historyComplete ? (
            <p className="muted center">{t('chat.noMore')}</p>
          ) : (
            <button type="button" className="link center" onClick={() => void paging.loadOlder()} disabled={paging.loading || !joined}>
              {paging.loading ? t('chat.loading') : t('chat.loadOlder')}
            </button>
          )}
          {messages.map((m) => (
            <div key={`${m.nick}\u0000${m.id}`} className={`room-message${m.privateWith ? ' private' : ''}`}>
              {m.privateWith ? (
                <p className="muted private-note">{m.outgoing ? t('rooms.view.privateTo', { nick: m.privateWith }) : t('rooms.view.privateFrom', { nick: m.privateWith })}</p>
              ) : (
                !m.outgoing && m.nick && <p className="author" aria-hidden="true">{m.nick}</p>
              )}
              <MessageItem
                message={m}
                self={room.ownOccupantId ?? room.nick}
                domain={session.domain}
                authorName={m.nick || title}
                nameOf={nameOf}
                quoted={m.replyTo ? byId.get(m.replyTo.id) : undefined}
                canEdit={m === lastOwn}
                actions={actions}
              />
              {!m.outgoing && !m.retracted && moderator && m.archiveId && (
                <button type="button" className="link moderate" aria-label={`${t('rooms.view.remove')}: ${m.nick}`} onClick={() => act(() => chats.moderation.retract(jid, m))}>
                  {t('rooms.view.remove')}
                </button>
              )}
            </div>
          ))}
        </div>
        {showMembers && <OccupantList session={session} room={room} onAction={act} onPrivate={setPrivateTo} />}
      </div>
      <NewMessagesPill show={paging.newBelow} onClick={paging.jumpToBottom} />
      {privateTo && (
        <p className="notice" role="status">
          {t('rooms.view.privateTo', { nick: privateTo })}{' '}
          <button type="button" onClick={() => setPrivateTo(null)}>
            {t('rooms.view.toEveryone')}
          </button>
        </p>
      )}
      <Composer
        key={jid}
        draft={draft}
        onDraft={setDraft}
        onSend={send}
        onTyping={() => {}}
        onFiles={(files) => {
          for (const file of files) act(() => chats.sendFile(jid, file));
        }}
        replyTo={replyTo}
        editing={editing}
        onCancel={() => {
          setReplyTo(null);
          setEditing(null);
        }}
      />
      {dialog && <RoomDialogs which={dialog} session={session} room={room} onClose={() => setDialog(null)} />}
      {reporting && <ReportDialog session={session} target={reporting} onClose={() => setReporting(null)} />}
    </main>
  );
}
