import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { normaliseAddress, type Room, type RoomSettings, type Session } from '../../session/index.ts';
import { Dialog } from '../Dialog.tsx';
import { FormEnd } from '../FormEnd.tsx';
import { roomProblem } from './errors.ts';

export type RoomDialog = 'invite' | 'nick' | 'subject' | 'settings';

export function RoomDialogs({ which, session, room, onClose }: { which: RoomDialog; session: Session; room: Room; onClose(): void }) {
  const title = room.name || room.jid;
  if (which === 'settings') return <SettingsDialog session={session} room={room} title={title} onClose={onClose} />;
  return <TextDialog which={which} session={session} room={room} title={title} onClose={onClose} />;
}

/** Invite someone, change one's nickname, or change the topic: one text field each. */
function TextDialog({ which, session, room, title, onClose }: { which: 'invite' | 'nick' | 'subject'; session: Session; room: Room; title: string; onClose(): void }) {
  const { t } = useTranslation();
  const [value, setValue] = useState(which === 'nick' ? room.nick : which === 'subject' ? room.subject : '');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const ids = { value: useId(), reason: useId() };
  const labels = {
    invite: { title: t('rooms.invite.title', { room: title }), field: t('rooms.invite.address'), save: t('rooms.invite.send') },
    nick: { title: t('rooms.nick.title', { room: title }), field: t('rooms.nick.field'), save: t('rooms.nick.save') },
    subject: { title: t('rooms.subjectDialog.title', { room: title }), field: t('rooms.subjectDialog.field'), save: t('rooms.subjectDialog.save') },
  }[which];

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      if (which === 'invite') {
        const jid = await normaliseAddress(value, session.domain);
        if (!jid) return setError(t('contacts.invalidAddress'));
        await session.groupchats.moderation.invite(room.jid, jid, reason.trim() || undefined);
        setDone(t('rooms.invite.sent', { jid }));
        setValue('');
        return;
      }
      if (which === 'nick') {
        const nick = value.trim();
        if (!nick || nick.length > 100) return setError(t('rooms.join.invalidNick'));
        await session.groupchats.changeNick(room.jid, nick);
      } else await session.groupchats.setSubject(room.jid, value.trim());
      onClose();
    } catch (err) {
      setError(roomProblem(t, err));
    }
  }

  return (
    <Dialog title={labels.title} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={ids.value}>{labels.field}</label>
          <input id={ids.value} value={value} onChange={(e) => setValue(e.target.value)} maxLength={which === 'subject' ? 1000 : 1023} autoCapitalize={which === 'invite' ? 'none' : undefined} />
        </div>
        {which === 'invite' && (
          <div className="field">
            <label htmlFor={ids.reason}>{t('rooms.invite.reason')}</label>
            <input id={ids.reason} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
          </div>
        )}
        <FormEnd error={error} status={done && <p role="status">{done}</p>} submit={labels.save} cancel={t('rooms.join.cancel')} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

const FLAGS = ['public', 'membersOnly', 'nonAnonymous', 'moderated', 'archiving'] as const;

/** The owner's configuration form (XEP-0045 §10.2), reduced to what people decide about a group. */
function SettingsDialog({ session, room, title, onClose }: { session: Session; room: Room; title: string; onClose(): void }) {
  const { t } = useTranslation();
  const [settings, setSettings] = useState<RoomSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { name: useId(), description: useId(), password: useId() };

  useEffect(() => {
    session.groupchats.getSettings(room.jid).then(setSettings, (err: unknown) => setError(t('rooms.settings.failed', { reason: roomProblem(t, err) })));
  }, [session, room.jid, t]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!settings) return;
    setBusy(true);
    try {
      await session.groupchats.configure(room.jid, settings);
      onClose();
    } catch (err) {
      setError(t('rooms.settings.failed', { reason: roomProblem(t, err) }));
      setBusy(false);
    }
  }

  const change = (patch: Partial<RoomSettings>) => setSettings((s) => (s ? { ...s, ...patch } : s));
  return (
    <Dialog title={t('rooms.settings.title', { room: title })} onClose={onClose}>
      {!settings ? (
        error ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : (
          <p role="status">{t('rooms.settings.loading')}</p>
        )
      ) : (
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor={ids.name}>{t('rooms.settings.name')}</label>
            <input id={ids.name} value={settings.name ?? ''} onChange={(e) => change({ name: e.target.value })} maxLength={200} />
          </div>
          <div className="field">
            <label htmlFor={ids.description}>{t('rooms.settings.description')}</label>
            <input id={ids.description} value={settings.description ?? ''} onChange={(e) => change({ description: e.target.value })} maxLength={1000} />
          </div>
          {FLAGS.map((flag) => (
            <label key={flag} className="check">
              <input type="checkbox" checked={settings[flag] ?? false} onChange={(e) => change({ [flag]: e.target.checked })} /> {t(`rooms.settings.${flag}`)}
            </label>
          ))}
          <div className="field">
            <label htmlFor={ids.password}>{t('rooms.settings.password')}</label>
            <input id={ids.password} type="password" autoComplete="new-password" value={settings.password ?? ''} onChange={(e) => change({ password: e.target.value })} maxLength={200} />
          </div>
          <FormEnd error={error} submit={t('rooms.settings.save')} cancel={t('rooms.join.cancel')} onCancel={onClose} busy={busy} />
        </form>
      )}
    </Dialog>
  );
}
