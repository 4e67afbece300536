import type { Config } from '../config/schema.ts';
import { operatorCommand, printAnswer, refused } from './operator-command.ts';

const USAGE = 'usage: conexizan room list, or conexizan room info|lock|unlock|destroy ROOM [--reason TEXT] [--venue ROOM]\n';
const command = (name: string) => `https://conexizan.org/commands#muc-${name}`;

/**
 * `conexizan room list|info|lock|unlock|destroy`: the group chat operator
 * commands (XEP-0050, modules/muc/operator.ts). With the server running
 * they act on it through the control channel: the people in a closed or
 * destroyed room are told and put out at once. With it stopped they act on
 * the stored rooms, where there is nobody to tell. Operators see names,
 * settings and who owns a room, never messages.
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
  // A bare room name means a room of this server's service (the commands take it so).
  const room = target ?? '';
  try {
    switch (action) {
      case 'list': {
        const answer = await operatorCommand(config, command('list-rooms'), {});
        const rooms = answer.form?.fields.find((field) => field.var === 'rooms')?.values ?? [];
        for (const line of rooms) process.stdout.write(`${line}\n`);
        process.stdout.write(`${rooms.length} room${rooms.length === 1 ? '' : 's'}\n`);
        return 0;
      }
      case 'info': {
        const answer = await operatorCommand(config, command('room-info'), { room: [room] });
        for (const line of answer.form?.fields.find((field) => field.var === 'details')?.values ?? []) process.stdout.write(`${line}\n`);
        return printAnswer({ notes: answer.notes, form: null });
      }
      case 'lock':
      case 'unlock':
        return printAnswer(await operatorCommand(config, command('close-room'), { room: [room], closed: [action === 'lock' ? '1' : '0'] }));
      default:
        return printAnswer(await operatorCommand(config, command('destroy-room'), { room: [room], reason: [options.reason ?? ''], alternate: [options.venue ?? ''] }));
    }
  } catch (error) {
    return refused(error);
  }
}
