import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { roomAddress, type CreateKind, type Session } from '../../session/index.ts';
import { Dialog } from '../Dialog.tsx';
import { FormEnd } from '../FormEnd.tsx';
import { roomProblem } from './errors.ts';

interface Props {
  session: Session;
  initialRoom?: string;
  initialPassword?: string;
  onClose(): void;
  onJoined(room: string): void;
}

/** Join a room by address (with nickname and password), or create one: an open instant room or a private group. */
export function JoinRoomDialog({ session, initialRoom, initialPassword, onClose, onJoined }: Props) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<'join' | 'create'>('join');
  const [address, setAddress] = useState(initialRoom ?? '');
  const [nick, setNick] = useState(session.jid.split('@')[0] ?? '');
  const [password, setPassword] = useState(initialPassword ?? '');
  const [kind, setKind] = useState<CreateKind>('private');
  const [service, setService] = useState<string | null>(null);
  const [publicRooms, setPublicRooms] = useState<{ jid: string; name: string }[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { address: useId(), hint: useId(), nick: useId(), password: useId(), error: useId() };

  useEffect(() => {
    void session.groupchats.directory.service().then(setService);
  }, [session]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    // A name without @ needs the group service, which may still be being looked up (a busy first login).
    const known = service ?? (address.includes('@') ? null : await session.groupchats.directory.service());
    const room = roomAddress(address, known);
    if (!room) return setError(t('rooms.join.invalidAddress'));
    const nickname = nick.trim();
    if (!nickname || nickname.length > 100) return setError(t('rooms.join.invalidNick'));
    setBusy(true);
    setError(null);
    try {
      if (mode === 'create') await session.groupchats.join(room, nickname, { create: kind, settings: { name: address.includes('@') ? undefined : address.trim() } });
      else await session.groupchats.join(room, nickname, { password: password || undefined });
      onJoined(room);
    } catch (err) {
      // The dialog stays with everything typed, so the person can fix the one thing that was wrong.
      if (mode === 'join' || session.groupchats.store.get(room)?.state !== 'joined') await session.groupchats.leave(room).catch(() => {});
      setError(roomProblem(t, err));
      setBusy(false);
    }
  }

  async function browse() {
    setPublicRooms(await session.groupchats.directory.publicRooms().catch(() => []));
  }

  const preview = mode === 'create' && address.trim() && !address.includes('@') ? roomAddress(address, service) : null;
  return (
    <Dialog title={mode === 'join' ? t('rooms.join.modeJoin') : t('rooms.join.modeCreate')} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <fieldset className="field">
          <legend>{t('rooms.join.mode')}</legend>
          <label>
            <input type="radio" name="mode" checked={mode === 'join'} onChange={() => setMode('join')} /> {t('rooms.join.modeJoin')}
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'create'} onChange={() => setMode('create')} /> {t('rooms.join.modeCreate')}
          </label>
        </fieldset>
        <div className="field">
          <label htmlFor={ids.address}>{mode === 'join' ? t('rooms.join.address') : t('rooms.join.name')}</label>
          <input id={ids.address} value={address} onChange={(e) => setAddress(e.target.value)} autoCapitalize="none" spellCheck={false} aria-describedby={ids.hint} maxLength={1023} />
          <small id={ids.hint}>{preview ? t('rooms.join.nameHint', { address: preview }) : t('rooms.join.addressHint', { service: service ?? `conference.${session.domain}` })}</small>
        </div>
        <div className="field">
          <label htmlFor={ids.nick}>{t('rooms.join.nick')}</label>
          <input id={ids.nick} value={nick} onChange={(e) => setNick(e.target.value)} maxLength={100} />
        </div>
        {mode === 'join' ? (
          <div className="field">
            <label htmlFor={ids.password}>{t('rooms.join.password')}</label>
            <input id={ids.password} type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="off" maxLength={200} />
          </div>
        ) : (
          <fieldset className="field">
            <legend>{t('rooms.join.kind')}</legend>
            <label>
              <input type="radio" name="kind" checked={kind === 'private'} onChange={() => setKind('private')} /> {t('rooms.join.private')}
            </label>
            <label>
              <input type="radio" name="kind" checked={kind === 'instant'} onChange={() => setKind('instant')} /> {t('rooms.join.instant')}
            </label>
          </fieldset>
        )}
        <FormEnd
          error={error}
          errorId={ids.error}
          submit={busy ? t('rooms.join.busy') : mode === 'join' ? t('rooms.join.joinButton') : t('rooms.join.createButton')}
          cancel={t('rooms.join.cancel')}
          onCancel={onClose}
          busy={busy}
        />
        {mode === 'join' && (
          <section aria-label={t('rooms.join.publicList')}>
            {publicRooms === null ? (
              <button type="button" className="link" onClick={() => void browse()}>
                {t('rooms.join.browse')}
              </button>
            ) : publicRooms.length === 0 ? (
              <p className="muted">{t('rooms.join.noPublic')}</p>
            ) : (
              <ul className="public-rooms">
                {publicRooms.map((r) => (
                  <li key={r.jid}>
                    <button type="button" className="link" aria-label={t('rooms.join.choose', { name: r.name || r.jid })} onClick={() => setAddress(r.jid)}>
                      {r.name || r.jid}
                    </button>{' '}
                    <span className="muted">{r.jid}</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        )}
      </form>
    </Dialog>
  );
}
