import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatMessage } from '../session/model.ts';
import { MAX_BODY_CHARS, MessageTooLongError } from '../session/outbox.ts';
import type { Session } from '../session/session.ts';
import { chatStateMessage } from '../session/stanzas.ts';
import { Avatar } from './Avatar.tsx';
import { ContactDialogs, type ContactDialog } from './ContactDialogs.tsx';
import { Composer } from './Composer.tsx';
import { MessageItem, type MessageActions } from './MessageItem.tsx';
import { useUploads } from './useUploads.ts';
import { EncryptionBar } from './encryption/EncryptionBar.tsx';

export function ChatView({ session, peer, onBack }: { session: Session; peer: string; onBack(): void }) {
  const { t } = useTranslation();
  const conversation = session.chats.get(peer);
  const messages = conversation?.messages ?? [];
  const name = session.roster.displayName(peer);
  const blocked = session.roster.isBlocked(peer);
  const [replyTo, setReplyTo] = useState<ChatMessage | null>(null);
  const [editing, setEditing] = useState<ChatMessage | null>(null);
  const [dialog, setDialog] = useState<ContactDialog | null>(null);
  const [loading, setLoading] = useState(false);
  const [dragging, setDragging] = useState(false);
  const log = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const heightBefore = useRef<number | null>(null);
  const uploads = useUploads(session, peer);

  const loadOlder = useCallback(async () => {
    if (loading) return;
    setLoading(true);
    heightBefore.current = log.current?.scrollHeight ?? null;
    try {
      await session.loadOlder(peer);
    } catch {
      // offline or the archive refused: the button stays for another try
    } finally {
      setLoading(false);
    }
  }, [session, peer, loading]);

  // First open: fill the view from the archive if this device has little.
  useEffect(() => {
    if ((session.chats.get(peer)?.messages.length ?? 0) < 20) void loadOlder();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [peer]);

  useLayoutEffect(() => {
    const el = log.current;
    if (!el) return;
    if (heightBefore.current !== null) {
      // Older messages went in above: keep what the reader was looking at in place.
      el.scrollTop += el.scrollHeight - heightBefore.current;
      heightBefore.current = null;
    } else if (stickToBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [messages]);

  useEffect(() => {
    session.markDisplayed(peer);
  }, [session, peer, messages.length]);

  const lastOwn = useMemo(() => [...messages].reverse().find((m) => m.outgoing && !m.retracted && !m.file), [messages]);
  const byId = useMemo(() => new Map(messages.map((m) => [m.id, m])), [messages]);
  const nameOf = useCallback((jid: string) => session.roster.displayName(jid), [session]);

  const actions: MessageActions = useMemo(
    () => ({
      reply: (m) => {
        setEditing(null);
        setReplyTo(m);
      },
      edit: (m) => {
        setReplyTo(null);
        setEditing(m);
      },
      retract: (m) => void session.outbox.retract(peer, m.id),
      react: (m, emojis) => void session.outbox.react(peer, session.jid, m.id, emojis),
    }),
    [session, peer],
  );

  async function send(text: string) {
    try {
      if (editing) await session.outbox.correct(peer, editing.id, text);
      else await session.outbox.send(peer, text, { replyTo: replyTo ?? undefined });
    } catch (error) {
      if (error instanceof MessageTooLongError) throw new Error(t('chat.tooLong', { max: MAX_BODY_CHARS }));
      throw error;
    }
    stickToBottom.current = true;
    setReplyTo(null);
    setEditing(null);
  }

  function typing(composing: boolean) {
    // Typing notifications tell someone we are here: only for contacts who may see our presence.
    const item = session.roster.item(peer);
    const trusted = item && (item.subscription === 'from' || item.subscription === 'both');
    if (session.status !== 'online' || blocked || !trusted) return;
    void session.connection.send(chatStateMessage(peer, composing ? 'composing' : 'paused')).catch(() => {});
  }

  return (
    <main
      className={`chat${dragging ? ' dragging' : ''}`}
      aria-label={name}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const files = [...e.dataTransfer.files];
        if (files.length) uploads.start(files);
      }}
    >
      <header className="chat-head">
        <button type="button" className="back" onClick={onBack}>
          <span aria-hidden="true">←</span> <span className="back-label">{t('chat.back')}</span>
        </button>
        <Avatar jid={peer} name={name} url={session.roster.avatar(peer)} />
        <div className="chat-title">
          <h2>{name}</h2>
          {name !== peer && <span className="muted">{peer}</span>}
        </div>
        <div className="chat-actions">
          {session.roster.item(peer) && (
            <button type="button" onClick={() => setDialog('rename')}>
              {t('chat.rename')}
            </button>
          )}
          {session.roster.item(peer) && (
            <button type="button" onClick={() => setDialog('remove')}>
              {t('chat.remove')}
            </button>
          )}
          <button type="button" onClick={() => void (blocked ? session.contacts.unblock(peer) : session.contacts.block(peer))}>
            {blocked ? t('chat.unblock') : t('chat.block')}
          </button>
        </div>
      </header>
      <EncryptionBar session={session} peer={peer} name={name} />
      {blocked && <p className="notice">{t('chat.blockedNote')}</p>}
      <div
        className="log"
        role="log"
        aria-label={t('chat.messages')}
        ref={log}
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
          if (el.scrollTop < 40 && !conversation?.historyComplete && !loading) void loadOlder();
        }}
      >
        {conversation?.historyComplete ? (
          <p className="muted center">{t('chat.noMore')}</p>
        ) : (
          <button type="button" className="link center" onClick={() => void loadOlder()} disabled={loading}>
            {loading ? t('chat.loading') : t('chat.loadOlder')}
          </button>
        )}
        {messages.map((m) => (
          <MessageItem
            key={m.id}
            message={m}
            self={session.jid}
            domain={session.domain}
            authorName={name}
            version={session.roster.version ?? ''}
            nameOf={nameOf}
            quoted={m.replyTo ? byId.get(m.replyTo.id) : undefined}
            canEdit={m === lastOwn}
            actions={actions}
          />
        ))}
      </div>
      <p role="status" className="typing">
        {conversation?.typing ? t('chat.typing', { name }) : ''}
      </p>
      {uploads.items.map((u) => (
        <div key={u.id} className="upload">
          {u.preview && <img src={u.preview} alt="" className="upload-preview" />}
          {u.error ? (
            <p role="alert" className="error">
              {t('chat.uploadFailed', { name: u.name, reason: u.error })}{' '}
              <button type="button" onClick={() => uploads.dismiss(u.id)}>
                {t('chat.cancel')}
              </button>
            </p>
          ) : (
            <>
              <label>
                {t('chat.uploading', { name: u.name })}
                <progress max={1} value={u.progress} aria-label={t('chat.uploading', { name: u.name })} />
              </label>
              <button type="button" onClick={() => uploads.cancel(u.id)}>
                {t('chat.cancelUpload')}
              </button>
            </>
          )}
        </div>
      ))}
      {dragging && <p className="drop-hint">{t('chat.dropHere')}</p>}
      <Composer
        key={peer}
        draft={conversation?.draft ?? ''}
        onDraft={(text) => session.chats.setDraft(peer, text)}
        onSend={send}
        onTyping={typing}
        onFiles={(files) => uploads.start(files)}
        replyTo={replyTo}
        editing={editing}
        onCancel={() => {
          setReplyTo(null);
          setEditing(null);
        }}
      />
      {dialog && <ContactDialogs which={dialog} session={session} peer={peer} onClose={() => setDialog(null)} onRemoved={onBack} />}
    </main>
  );
}
