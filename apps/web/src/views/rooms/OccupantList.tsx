import { useTranslation } from 'react-i18next';
import type { Occupant, Room, Session } from '../../session/index.ts';

const ROLE_ORDER = { moderator: 0, participant: 1, visitor: 2, none: 3 } as const;

/**
 * Who is in the room, with role and affiliation (XEP-0045 §5). Moderators
 * get kick and voice per occupant; admins and owners may ban when the
 * occupant's real address is known to them.
 */
export function OccupantList({ session, room, onAction, onPrivate }: { session: Session; room: Room; onAction(action: () => Promise<unknown>): void; onPrivate(nick: string): void }) {
  const { t } = useTranslation();
  const chats = session.groupchats;
  const moderator = room.role === 'moderator';
  const admin = room.affiliation === 'owner' || room.affiliation === 'admin';
  const sorted = [...room.occupants].sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.nick.localeCompare(b.nick));
  const describe = (o: Occupant) =>
    [t(`rooms.view.role.${o.role}`), o.affiliation !== 'none' ? t(`rooms.view.affiliation.${o.affiliation}`) : null, o.jid ? t('rooms.view.address', { jid: o.jid.split('/')[0] }) : null].filter(Boolean).join(', ');

  return (
    <aside className="occupants" aria-label={t('rooms.view.membersTitle')}>
      <h3>{t('rooms.view.membersTitle')}</h3>
      <ul>
        {sorted.map((o) => {
          const self = o.nick === room.nick;
          // Nobody outranked acts on someone of higher affiliation (the room would refuse anyway).
          const touchable = !self && moderator && o.affiliation !== 'owner' && (admin || (o.affiliation !== 'admin' && o.role !== 'moderator'));
          return (
            <li key={o.nick}>
              <span className="occupant-nick">{self ? t('rooms.view.you', { nick: o.nick }) : o.nick}</span> <span className="muted">{describe(o)}</span>
              {!self && room.state === 'joined' && (
                <button type="button" className="link" onClick={() => onPrivate(o.nick)}>
                  {t('rooms.view.messagePrivately', { nick: o.nick })}
                </button>
              )}
              {touchable && (
                <span className="actions">
                  {o.role === 'visitor' ? (
                    <button type="button" aria-label={t('rooms.view.voice', { nick: o.nick })} onClick={() => onAction(() => chats.moderation.setRole(room.jid, o.nick, 'participant'))}>
                      {t('rooms.view.voice', { nick: o.nick })}
                    </button>
                  ) : (
                    o.role === 'participant' && (
                      <button type="button" aria-label={t('rooms.view.mute', { nick: o.nick })} onClick={() => onAction(() => chats.moderation.setRole(room.jid, o.nick, 'visitor'))}>
                        {t('rooms.view.mute', { nick: o.nick })}
                      </button>
                    )
                  )}
                  <button type="button" aria-label={t('rooms.view.kick', { nick: o.nick })} onClick={() => onAction(() => chats.moderation.setRole(room.jid, o.nick, 'none'))}>
                    {t('rooms.view.kick', { nick: o.nick })}
                  </button>
                  {admin && o.jid && room.settings?.membersOnly !== false && o.affiliation === 'member' && (
                    <button type="button" aria-label={t('rooms.view.unmember', { nick: o.nick })} onClick={() => onAction(() => chats.moderation.setAffiliation(room.jid, o.jid!.split('/')[0]!, 'none'))}>
                      {t('rooms.view.unmember', { nick: o.nick })}
                    </button>
                  )}
                  {admin && o.jid && (
                    <button type="button" aria-label={t('rooms.view.ban', { nick: o.nick })} onClick={() => onAction(() => chats.moderation.setAffiliation(room.jid, o.jid!.split('/')[0]!, 'outcast'))}>
                      {t('rooms.view.ban', { nick: o.nick })}
                    </button>
                  )}
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
