import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { MAX_BODY_CHARS, type ChatMessage } from '../session/index.ts';

const EMOJI = ['😀', '😂', '😊', '😍', '🤔', '😢', '😮', '👍', '👎', '🙏', '👏', '🎉', '❤️', '🔥', '✅', '☕'];

interface Props {
  draft: string;
  onDraft(text: string): void;
  onSend(text: string): Promise<void>;
  onTyping(composing: boolean): void;
  onFiles(files: File[]): void;
  replyTo: ChatMessage | null;
  editing: ChatMessage | null;
  onCancel(): void;
}

/** The message field: keeps a draft per chat, Enter sends, Shift+Enter adds a line; refuses (and keeps) an over-long text. */
export function Composer({ draft, onDraft, onSend, onTyping, onFiles, replyTo, editing, onCancel }: Props) {
  const { t } = useTranslation();
  const [text, setText] = useState(draft);
  const [error, setError] = useState<string | null>(null);
  const [emoji, setEmoji] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const typingTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const ids = { area: useId(), file: useId(), error: useId() };

  useEffect(() => {
    if (editing) setText(editing.body);
    area.current?.focus();
  }, [editing, replyTo]);

  function change(value: string) {
    setText(value);
    setError(null);
    if (!editing) onDraft(value);
    if (typingTimer.current) clearTimeout(typingTimer.current);
    else onTyping(true);
    typingTimer.current = setTimeout(() => {
      typingTimer.current = null;
      onTyping(false);
    }, 5000);
  }

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    const body = text.trim();
    if (!body) return;
    if ([...body].length > MAX_BODY_CHARS) {
      setError(t('chat.tooLong', { max: MAX_BODY_CHARS }));
      return;
    }
    if (typingTimer.current) clearTimeout(typingTimer.current);
    typingTimer.current = null;
    try {
      await onSend(body);
      setText('');
      onDraft('');
    } catch (err) {
      setError((err as Error).message);
    }
  }

  function keyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === 'Escape' && (replyTo || editing)) {
      onCancel();
      if (editing) setText(draft);
    }
  }

  return (
    <form className="composer" onSubmit={submit}>
      {(replyTo || editing) && (
        <div className="composer-context">
          <span>{editing ? t('chat.editing') : t('chat.replyingTo', { text: replyTo!.body.slice(0, 80) })}</span>
          <button
            type="button"
            onClick={() => {
              onCancel();
              if (editing) setText(draft);
            }}
          >
            {editing ? t('chat.cancelEdit') : t('chat.cancelReply')}
          </button>
        </div>
      )}
      {error && (
        <p role="alert" id={ids.error} className="error">
          {error}
        </p>
      )}
      <div className="composer-row">
        <label htmlFor={ids.file} className="button attach" title={t('chat.attach')}>
          <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
            <path d="M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5" />
          </svg>
          <span className="visually-hidden">{t('chat.attach')}</span>
        </label>
        <input
          id={ids.file}
          type="file"
          multiple
          className="visually-hidden"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length) onFiles(files);
          }}
        />
        <div className="emoji-wrap">
          <button type="button" aria-expanded={emoji} aria-label={t('chat.emoji')} onClick={() => setEmoji(!emoji)}>
            <span aria-hidden="true">😊</span>
          </button>
          {emoji && (
            <div className="emoji-picker" role="group" aria-label={t('chat.emoji')}>
              {EMOJI.map((e) => (
                <button
                  key={e}
                  type="button"
                  onClick={() => {
                    change(text + e);
                    setEmoji(false);
                    area.current?.focus();
                  }}
                >
                  {e}
                </button>
              ))}
            </div>
          )}
        </div>
        <label htmlFor={ids.area} className="visually-hidden">
          {t('chat.message')}
        </label>
        <textarea
          id={ids.area}
          ref={area}
          rows={1}
          value={text}
          placeholder={t('chat.message')}
          onChange={(e) => change(e.target.value)}
          onKeyDown={keyDown}
          onPaste={(e) => {
            const files = [...e.clipboardData.files];
            if (files.length) {
              e.preventDefault();
              onFiles(files);
            }
          }}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? ids.error : undefined}
        />
        <button type="submit" className="primary">
          {t('chat.send')}
        </button>
      </div>
    </form>
  );
}
