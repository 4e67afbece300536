import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { MAX_BODY_CHARS, MessageTooLongError, predatingMessages, type ChatMessage, type Session } from '../session/index.ts';
import { Avatar } from './Avatar.tsx';
import { ActionsMenu } from './ActionsMenu.tsx';
import { ContactDialogs, type ContactDialog } from './ContactDialogs.tsx';
import { Composer } from './Composer.tsx';
import { MessageItem, type MessageActions } from './MessageItem.tsx';
import { NewMessagesPill } from './NewMessagesPill.tsx';
import { ReportDialog, type ReportTarget } from './ReportDialog.tsx';
import { actionProblem } from './problems.ts';
import { useArchivePaging } from './useArchivePaging.ts';
import { useUploads } from './useUploads.ts';
import { EncryptionBar } from './encryption/EncryptionBar.tsx';
import { PredatesNotice } from './encryption/MessageSecurity.tsx';

/** One empty list for a chat without messages, so that what depends on the list does not run again on every render. */
const NO_MESSAGES: readonly ChatMessage[] = [];

export function ChatView({ session, peer, onBack }: { session: Session; peer: string; onBack(): void }) {
  const { t } = useTranslation();
  const conversation = session.chats.get(peer);
  const allMessages = conversation?.messages ?? NO_MESSAGES;
  const predating = useMemo(() => predatingMessages(allMessages, session.omemo.deviceSince), [allMessages, session.omemo.deviceSince]);
  const messages = useMemo(() => (predating.size ? allMessages.filter((m) => !predating.has(m)) : allMessages), [allMessages, predating]);
  const name = session.roster.displayName(peer);
  const blocked = session.roster.isBlocked(peer);
  const [replyTo, setReplyTo] = useState<ChatMessage | null>(null);
  const [editing, setEditing] = useState<ChatMessage | null>(null);
  const [dialog, setDialog] = useState<ContactDialog | null>(null);
  const [reporting, setReporting] = useState<ReportTarget | null>(null);
  const [dragging, setDragging] = useState(false);
  const uploads = useUploads(session, peer);
  const load = useCallback(() => session.loadOlder(peer), [session, peer]);
  // This device may keep more than the archive: a chat with little on screen asks even when the archive is done.
  const paging = useArchivePaging({ load, chat: peer, messages, complete: conversation?.historyComplete ?? false, ready: true, fillWhenComplete: true });

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
      retract: (m) => void session.retract(peer, m.id),
      react: (m, emojis) => void session.react(peer, m.id, emojis),
      // Our server's archive id names our copy of the message for the operators.
      report: (m) => setReporting({ jid: peer, name, kind: 'message', ...(m.archiveId ? { message: { id: m.archiveId, by: session.jid } } : {}) }),
    }),
    [session, peer, name],
  );

  async function send(text: string) {
    try {
      if (editing) await session.correct(peer, editing.id, text);
      else await session.send(peer, text, { replyTo: replyTo ?? undefined });
    } catch (error) {
      if (error instanceof MessageTooLongError) throw new Error(t('chat.tooLong', { max: MAX_BODY_CHARS }), { cause: error });
      throw new Error(actionProblem(t, error), { cause: error });
    }
    paging.toBottom();
    setReplyTo(null);
    setEditing(null);
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
        <ActionsMenu
          label={t('chat.actions')}
          actions={[
            ...(session.roster.item(peer)
              ? [
                  { label: t('chat.rename'), onSelect: () => setDialog('rename') },
                  { label: t('chat.remove'), onSelect: () => setDialog('remove'), danger: true },
                ]
              : []),
            blocked
              ? { label: t('chat.unblock'), onSelect: () => void session.contacts.unblock(peer) }
              : { label: t('chat.block'), onSelect: () => void session.contacts.block(peer), danger: true },
            { label: t('report.contact'), onSelect: () => setReporting({ jid: peer, name, kind: 'contact' }), danger: true },
          ]}
        />
      </header>
      <EncryptionBar session={session} peer={peer} name={name} />
      {blocked && <p className="notice">{t('chat.blockedNote')}</p>}
      <div
        className="log"
        role="log"
        aria-label={t('chat.messages')}
        ref={paging.log}
        tabIndex={0}
        onScroll={paging.onScroll}
      >
        {conversation?.historyComplete ? (
          <p className="muted center">{t('chat.noMore')}</p>
        ) : (
          <button type="button" className="link center" onClick={() => void paging.loadOlder()} disabled={paging.loading}>
            {paging.loading ? t('chat.loading') : t('chat.loadOlder')}
          </button>
        )}
        <PredatesNotice count={predating.size} />
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
      <NewMessagesPill show={paging.newBelow} onClick={paging.jumpToBottom} />
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
        onTyping={(composing) => session.setTyping(peer, composing)}
        onFiles={(files) => uploads.start(files)}
        replyTo={replyTo}
        editing={editing}
        onCancel={() => {
          setReplyTo(null);
          setEditing(null);
        }}
      />
      {dialog && <ContactDialogs which={dialog} session={session} peer={peer} onClose={() => setDialog(null)} onRemoved={onBack} />}
      {reporting && <ReportDialog session={session} target={reporting} onClose={() => setReporting(null)} />}
    </main>
  );
}
