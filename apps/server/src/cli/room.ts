import { resolve } from 'node:path';
import pino from 'pino';
import { openStorage } from '@conexizan/storage';
import type { Config } from '../config/schema.ts';
import { REDACTED_FIELDS } from '../core/log.ts';
import { mucServiceJid } from '../modules/muc/index.ts';
import { destroyRoomAsOperator, findRoom, roomSummary, setRoomClosed, sortedRooms } from '../modules/muc/operator.ts';
import { MucService } from '../modules/muc/service.ts';

const USAGE = 'usage: conexizan room list, or conexizan room info|lock|unlock|destroy ROOM [--reason TEXT] [--venue ROOM]\n';

/**
 * `conexizan room list|info|lock|unlock|destroy`: the group chat operator
 * commands (the ad-hoc ones of modules/muc/operator.ts, through the same
 * functions) on the stored rooms, with the server stopped: a running
 * server holds its rooms in memory and would write over the change. With
 * nobody in any room there is nobody to tell, so nothing is sent.
 * Operators see names, settings and who owns a room, never messages.
 */
export async function runRoom(config: Config, args: string[], options: { reason?: string | undefined; venue?: string | undefined } = {}): Promise<number> {
  const [action, target, ...extra] = args;
  const needsRoom = ['info', 'lock', 'unlock', 'destroy'].includes(action ?? '');
  const extraOptions = action !== 'destroy' && (options.reason !== undefined || options.venue !== undefined);
  if ((action !== 'list' && !needsRoom) || (needsRoom && !target) || (action === 'list' && target) || extra.length > 0 || extraOptions) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (!config.muc.enabled) {
    process.stderr.write('conexizan: group chat is turned off (muc.enabled = false)\n');
    return 1;
  }
  const storage = await openStorage({ url: config.database_url || undefined, dataDir: resolve(config.data_dir) });
  try {
    const serviceJid = mucServiceJid(config, config.domain);
    const log = pino({ level: 'warn', base: { service: 'conexizan' }, redact: { paths: REDACTED_FIELDS, censor: '[hidden]' } }, pino.destination(2));
    const router = {
      route: async () => {
        throw new Error('the command line sends no stanzas');
      },
    };
    const svc = new MucService({ storage, config, domain: config.domain, log, router }, config.muc, serviceJid);
    await svc.load();
    if (action === 'list') {
      const rooms = sortedRooms(svc);
      for (const room of rooms) process.stdout.write(`${roomSummary(room)}\n`);
      process.stdout.write(`${rooms.length} room${rooms.length === 1 ? '' : 's'}\n`);
      return 0;
    }
    // A bare room name means a room of this server's service.
    const room = findRoom(svc, target!.includes('@') ? target : `${target}@${serviceJid}`);
    if (typeof room === 'string') {
      process.stderr.write(`conexizan: ${target}: ${room}\n`);
      return 1;
    }
    switch (action) {
      case 'info': {
        const c = room.config;
        const lines = [
          roomSummary(room),
          `name: ${c.name || '(none)'}`,
          `description: ${c.description || '(none)'}`,
          `addresses shown to: ${c.whois}`,
          `password: ${c.password ? 'yes' : 'no'}`,
          `archive: ${c.archiving ? 'on' : 'off'}`,
          `most people at once: ${c.maxUsers}`,
          `created by: ${room.state.creator}`,
          `owners: ${room.owners().join(', ') || '(none)'}`,
          `admins: ${room.withAffiliation('admin').map((e) => e.jid).join(', ') || '(none)'}`,
          `members: ${room.withAffiliation('member').length}`,
          `banned: ${room.withAffiliation('outcast').length}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
        return 0;
      }
      case 'lock':
      case 'unlock':
        await setRoomClosed(svc, room, action === 'lock');
        process.stdout.write(`${room.jid.toString()} is ${action === 'lock' ? 'closed: nobody but operators may enter' : 'open again'}\n`);
        return 0;
      default:
        await destroyRoomAsOperator(svc, room, options.reason, options.venue);
        process.stdout.write(`${room.jid.toString()} and its archive are destroyed\n`);
        return 0;
    }
  } finally {
    await storage.close();
  }
}
