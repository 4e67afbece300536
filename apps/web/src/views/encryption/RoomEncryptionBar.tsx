import './encryption.css';
import { useTranslation } from 'react-i18next';
import type { Session } from '../../session/index.ts';

/**
 * At the top of a group: whether its messages are end-to-end encrypted, and
 * plainly why not when they cannot be (a public or semi-anonymous group).
 * In a private group where nobody else could read an encrypted message,
 * nothing is sent until the user chooses plain text here.
 */
export function RoomEncryptionBar({ session, room }: { session: Session; room: string }) {
  const { t } = useTranslation();
  const state = session.omemo.room(room);
  switch (state.kind) {
    case 'checking':
      return <p className="notice encryption checking">{t('encryption.room.checking')}</p>;
    case 'unavailable':
      return (
        <p role="note" className="notice encryption warning">
          {t(state.reason === 'public' ? 'encryption.room.public' : 'encryption.room.semiAnonymous')}
        </p>
      );
    case 'plain':
      return (
        <p className="notice encryption plain">
          {t('encryption.room.plainChosen')}{' '}
          <button type="button" onClick={() => void session.omemo.setRoomMode(room, 'omemo')}>
            {t('encryption.room.encryptAgain')}
          </button>
        </p>
      );
    case 'encrypted': {
      const nobody = state.members.length === 0 || state.withoutKeys.length === state.members.length;
      if (nobody) {
        return (
          <p role="alert" className="notice encryption warning">
            {t('encryption.room.nobodyCanRead')}{' '}
            <button type="button" onClick={() => void session.omemo.setRoomMode(room, 'plain')}>
              {t('encryption.room.sendPlain')}
            </button>
          </p>
        );
      }
      return (
        <p className="notice encryption on">
          {t('encryption.room.encrypted', { count: state.members.length + 1 })}
          {state.withoutKeys.length > 0 && <> {t('encryption.room.withoutKeys', { names: state.withoutKeys.join(', '), count: state.withoutKeys.length })}</>}
        </p>
      );
    }
  }
}
