import { memo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatMessage } from '../session/index.ts';
import { MessageText } from './MessageText.tsx';
import { MessageSecurityLabel, UndecryptableNotice } from './encryption/MessageSecurity.tsx';
import { EncryptedFile } from './encryption/EncryptedFile.tsx';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🎉'];
const IMAGE = /\.(png|jpe?g|gif|webp|avif)$/i;

/**
 * Pictures are shown inline only when they come from our own server (its upload service):
 * loading one from anywhere else would tell that host our address and when we read the chat.
 */
export function previewAllowed(url: string, domain: string): boolean {
  try {
    const { hostname, origin, pathname } = new URL(url);
    const ours = hostname === domain || hostname.endsWith(`.${domain}`) || origin === globalThis.location?.origin;
    return ours && IMAGE.test(pathname);
  } catch {
    return false;
  }
}

export interface MessageActions {
  reply(message: ChatMessage): void;
  edit(message: ChatMessage): void;
  retract(message: ChatMessage): void;
  react(message: ChatMessage, emojis: string[]): void;
  /** XEP-0377: report someone else's message to our server's operators (absent: not offered) */
  report?(message: ChatMessage): void;
}

interface Props {
  message: ChatMessage;
  self: string;
  /** our server's domain: pictures from it are previewed */
  domain: string;
  authorName: string;
  nameOf(jid: string): string;
  quoted?: ChatMessage;
  canEdit: boolean;
  actions: MessageActions;
  /** changes when names may have changed, so memoised messages re-render then */
  version?: string;
}

function time(ts: number, lang: string): string {
  const d = new Date(ts);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString(lang, { dateStyle: 'short', timeStyle: 'short' });
}

export const MessageItem = memo(function MessageItem({ message: m, self, domain, authorName, nameOf, quoted, canEdit, actions }: Props) {
  const { t, i18n } = useTranslation();
  const [picking, setPicking] = useState(false);
  const mine = m.reactions?.[self] ?? [];
  const toggle = (emoji: string) => actions.react(m, mine.includes(emoji) ? mine.filter((e) => e !== emoji) : [...mine, emoji]);
  const grouped = new Map<string, string[]>();
  for (const [who, emojis] of Object.entries(m.reactions ?? {})) for (const e of emojis) grouped.set(e, [...(grouped.get(e) ?? []), who]);

  return (
    <article tabIndex={0} className={`message${m.outgoing ? ' own' : ''}${m.retracted ? ' retracted' : ''}`} aria-label={`${m.outgoing ? t('chat.you') : authorName}, ${time(m.timestamp, i18n.language)}`}>
      {(m.replyTo || quoted) && !m.retracted && <p className="quote">{quoted ? quoted.body.slice(0, 200) : (m.replyTo?.text ?? '…')}</p>}
      {m.undecryptable && !m.retracted ? (
        <UndecryptableNotice message={m} />
      ) : m.retracted ? (
        <p className="body muted">{t('chat.retracted')}</p>
      ) : m.file?.url.startsWith('aesgcm://') ? (
        <EncryptedFile file={m.file} domain={domain} />
      ) : m.file ? (
        <p className="body">
          {previewAllowed(m.file.url, domain) ? (
            <a href={m.file.url} target="_blank" rel="noopener noreferrer nofollow">
              <img className="preview" src={m.file.url} alt={t('chat.image', { name: m.file.name ?? '' })} loading="lazy" />
            </a>
          ) : (
            <a href={m.file.url} target="_blank" rel="noopener noreferrer nofollow" download>
              {t('chat.openFile', { name: m.file.name ?? m.file.url })}
            </a>
          )}
        </p>
      ) : (
        <p className="body">
          <MessageText text={m.body} />
        </p>
      )}
      <footer className="meta">
        <time dateTime={new Date(m.timestamp).toISOString()}>{time(m.timestamp, i18n.language)}</time>
        {m.edited && !m.retracted && <span> {t('chat.edited')}</span>}
        {m.outgoing && <span className={`state state-${m.state}`}> · {t(`chat.states.${m.state}`)}</span>}
        <MessageSecurityLabel message={m} />
      </footer>
      {grouped.size > 0 && (
        <ul className="reactions" aria-label={t('chat.react')}>
          {[...grouped].map(([emoji, who]) => (
            <li key={emoji}>
              <button type="button" aria-pressed={mine.includes(emoji)} aria-label={t('chat.reactionBy', { emoji, names: who.map((w) => (w === self ? t('chat.you') : nameOf(w))).join(', ') })} onClick={() => toggle(emoji)}>
                {emoji} {who.length > 1 ? who.length : ''}
              </button>
            </li>
          ))}
        </ul>
      )}
      {!m.retracted && (
        <div className="message-actions">
          <button type="button" onClick={() => actions.reply(m)}>
            {t('chat.reply')}
          </button>
          <button type="button" aria-expanded={picking} onClick={() => setPicking(!picking)}>
            {t('chat.react')}
          </button>
          {m.outgoing && canEdit && !m.file && (
            <button type="button" onClick={() => actions.edit(m)}>
              {t('chat.edit')}
            </button>
          )}
          {m.outgoing && (
            <button type="button" onClick={() => actions.retract(m)}>
              {t('chat.delete')}
            </button>
          )}
          {!m.outgoing && actions.report && (
            <button type="button" onClick={() => actions.report?.(m)}>
              {t('report.message')}
            </button>
          )}
          {picking && (
            <span className="picker">
              {QUICK_REACTIONS.map((e) => (
                <button
                  key={e}
                  type="button"
                  aria-label={t('chat.reactWith', { emoji: e })}
                  aria-pressed={mine.includes(e)}
                  onClick={() => {
                    toggle(e);
                    setPicking(false);
                  }}
                >
                  {e}
                </button>
              ))}
            </span>
          )}
        </div>
      )}
    </article>
  );
});
