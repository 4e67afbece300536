import type { Config } from '../config/schema.ts';
import { openOfflineServer } from './offline-server.ts';

const USAGE = 'usage: conexizan room list, or conexizan room info|lock|unlock|destroy ROOM [--reason TEXT] [--venue ROOM]\n';

/**
 * `conexizan room list|info|lock|unlock|destroy`: the group chat operator
 * commands (the ad-hoc ones, through the muc module's 'muc' service) on the
 * stored rooms, with the server stopped: a running server holds its rooms
 * in memory and would write over the change. With nobody in any room there
 * is nobody to tell, so nothing is sent.
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
  const server = await openOfflineServer(config);
  try {
    const muc = server.core.services.find('muc');
    if (!muc) throw new Error('the muc module is not loaded');
    if (action === 'list') {
      const rooms = muc.list();
      for (const line of rooms) process.stdout.write(`${line}\n`);
      process.stdout.write(`${rooms.length} room${rooms.length === 1 ? '' : 's'}\n`);
      return 0;
    }
    // A bare room name means a room of this server's service.
    const room = muc.find(target!.includes('@') ? target! : `${target}@${muc.service}`);
    if (typeof room === 'string') {
      process.stderr.write(`conexizan: ${target}: ${room}\n`);
      return 1;
    }
    switch (action) {
      case 'info':
        process.stdout.write(`${room.details().join('\n')}\n`);
        return 0;
      case 'lock':
      case 'unlock':
        await room.setClosed(action === 'lock');
        process.stdout.write(`${room.jid} is ${action === 'lock' ? 'closed: nobody but operators may enter' : 'open again'}\n`);
        return 0;
      default:
        await room.destroy(options.reason, options.venue);
        process.stdout.write(`${room.jid} and its archive are destroyed\n`);
        return 0;
    }
  } finally {
    await server.close();
  }
}
