import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { normaliseAddress, type Session } from '../session/index.ts';
import { Avatar } from './Avatar.tsx';
import { Dialog } from './Dialog.tsx';
import { FormEnd } from './FormEnd.tsx';
import { actionProblem } from './problems.ts';

export function ContactPanel({ session, activePeer, onOpen }: { session: Session; activePeer: string | null; onOpen(peer: string): void }) {
  const { t } = useTranslation();
  const [adding, setAdding] = useState(false);
  const { roster, chats } = session;
  // Contacts, plus people we chat with who are not (yet) in the roster.
  const peers = new Set(roster.items.map((i) => i.jid));
  const strangers = chats.conversations.filter((c) => !peers.has(c.peer) && c.messages.length > 0).map((c) => c.peer);
  const list = [...roster.items.map((i) => i.jid), ...strangers];
  const requests = roster.requests;

  return (
    <nav className="contacts" aria-label={t('contacts.title')}>
      <div className="panel-head">
        <h2>{t('contacts.title')}</h2>
        <button type="button" onClick={() => setAdding(true)}>
          {t('contacts.add')}
        </button>
      </div>
      {requests.length > 0 && (
        <section aria-label={t('contacts.requestsTitle')} className="requests">
          <h3>{t('contacts.requestsTitle')}</h3>
          <ul>
            {requests.map((jid) => (
              <li key={jid}>
                <span>{t('contacts.request', { jid })}</span>
                <span className="actions">
                  <button type="button" className="primary" aria-label={t('contacts.accept', { jid })} onClick={() => void session.contacts.accept(jid)}>
                    {t('contacts.acceptShort')}
                  </button>
                  <button type="button" aria-label={t('contacts.refuse', { jid })} onClick={() => void session.contacts.refuse(jid)}>
                    {t('contacts.refuseShort')}
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {list.length === 0 ? (
        <p className="muted">{t('contacts.empty')}</p>
      ) : (
        <ul aria-label={t('contacts.list')} className="contact-list">
          {list.map((jid) => {
            const item = roster.item(jid);
            const name = roster.displayName(jid);
            // While we are offline nobody's presence is known; it comes back with the connection.
            const availability = session.status === 'online' ? roster.availability(jid) : 'offline';
            const waiting = item?.pending && item.subscription !== 'to' && item.subscription !== 'both';
            const presence = waiting ? t('contacts.presence.pending') : t(`contacts.presence.${availability}`);
            const unread = chats.get(jid)?.unread ?? 0;
            return (
              <li key={jid}>
                {/* The name is what the button shows (picture and dot are decoration); the commas and the unread count are for screen readers. */}
                <button type="button" className={`contact${jid === activePeer ? ' active' : ''}`} aria-current={jid === activePeer ? 'true' : undefined} onClick={() => onOpen(jid)}>
                  <Avatar jid={jid} name={name} url={roster.avatar(jid)} />
                  <span className={`dot ${availability}`} aria-hidden="true" />
                  <span className="contact-text">
                    <span className="contact-name">{name}</span>
                    <span className="sr-only">, </span>
                    <span className="contact-presence">{presence}</span>
                  </span>
                  {unread > 0 && (
                    <>
                      <span className="sr-only">, {t('contacts.unread', { count: unread })}</span>
                      <span className="badge" aria-hidden="true">
                        {unread}
                      </span>
                    </>
                  )}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {adding && <AddContactDialog session={session} onClose={() => setAdding(false)} onAdded={onOpen} />}
    </nav>
  );
}

function AddContactDialog({ session, onClose, onAdded }: { session: Session; onClose(): void; onAdded(jid: string): void }) {
  const { t } = useTranslation();
  const [address, setAddress] = useState('');
  const [nick, setNick] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { address: useId(), nick: useId(), hint: useId() };

  async function submit(e: FormEvent) {
    e.preventDefault();
    const jid = await normaliseAddress(address, session.domain);
    if (!jid) return setError(t('contacts.invalidAddress'));
    if (jid === session.jid) return setError(t('contacts.self'));
    setBusy(true);
    try {
      await session.contacts.add(jid, nick.trim() || undefined);
      onAdded(jid);
      onClose();
    } catch (err) {
      setError(actionProblem(t, err));
      setBusy(false);
    }
  }

  return (
    <Dialog title={t('contacts.add')} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={ids.address}>{t('contacts.address')}</label>
          <input id={ids.address} value={address} onChange={(e) => setAddress(e.target.value)} autoCapitalize="none" spellCheck={false} aria-describedby={ids.hint} maxLength={3071} />
          <small id={ids.hint}>{t('contacts.addressHint', { domain: session.domain })}</small>
        </div>
        <div className="field">
          <label htmlFor={ids.nick}>{t('contacts.nickname')}</label>
          <input id={ids.nick} value={nick} onChange={(e) => setNick(e.target.value)} maxLength={200} />
        </div>
        <FormEnd error={error} submit={t('contacts.addButton')} cancel={t('contacts.cancel')} onCancel={onClose} busy={busy} />
      </form>
    </Dialog>
  );
}
