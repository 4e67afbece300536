import { type Backend, isUniqueViolation } from '../db.ts';
import type { InviteRepository } from '../types.ts';
import type { Run } from './run.ts';

export function inviteRepository({ db }: Backend, run: Run): InviteRepository {
  return {
    create: (tokenHash, expiresAt) =>
      run('invites.create', async () => {
        try {
          await db.invite.create({ data: { tokenHash, expiresAt } });
        } catch (error) {
          if (isUniqueViolation(error)) throw new Error('an invite with this token hash exists', { cause: error });
          throw error;
        }
      }),

    isValid: (tokenHash, now) =>
      run('invites.isValid', async () => (await db.invite.count({ where: { tokenHash, expiresAt: { gt: now } } })) > 0),

    expiresAt: (tokenHash) =>
      run('invites.expiresAt', async () => {
        const row = await db.invite.findUnique({ where: { tokenHash } });
        return row?.expiresAt ?? null;
      }),

    consume: (tokenHash, now) =>
      run('invites.consume', async () => {
        // One conditional DELETE: the database lets only one of concurrent
        // callers delete the row (on PostgreSQL the others wait for the row
        // lock, then find it gone), so an invite is redeemed at most once.
        const { count } = await db.invite.deleteMany({ where: { tokenHash, expiresAt: { gt: now } } });
        return count === 1;
      }),

    purgeExpired: (now) =>
      run('invites.purgeExpired', async () => {
        const { count } = await db.invite.deleteMany({ where: { expiresAt: { lte: now } } });
        return count;
      }),

    count: (now) => run('invites.count', () => db.invite.count({ where: { expiresAt: { gt: now } } })),
  };
}
