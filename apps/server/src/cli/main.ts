import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.ts';
import { runCheck } from './check.ts';
import { runDrain } from './drain.ts';
import { runInvite } from './invite.ts';
import { runRoom } from './room.ts';
import { runServe } from './serve.ts';
import { runUser } from './user.ts';

const USAGE = `usage: conexizan [--config FILE] <command>

commands:
  serve                 start the server (stops cleanly on SIGTERM or SIGINT: clients are
                        told to reconnect elsewhere, within shutdown.grace_seconds)
  drain                 make the running server stop taking clients and move them away
                        (it stays up until stopped); for preStop hooks and rolling restarts
  user add JID          create an account; the password is read from standard input or a prompt
  user passwd JID       set a new password (read the same way)
  user delete JID       delete an account and everything it stored
  user list             list the accounts
  invite create [--days N]
                        print a one-time registration link (xmpp:…?register;preauth=…),
                        valid N days (default 7); the server keeps only a hash of it
  invite list           count the open invitations
  room list             list the group chat rooms (with the server stopped, as all room commands)
  room info ROOM        a room's settings, owners and admins, how many members and bans
  room lock ROOM        close a room: nobody but operators may enter
  room unlock ROOM      open it again
  room destroy ROOM [--reason TEXT] [--venue ROOM]
                        delete a room and its archive
  check                 check the config, certificate, database and ports

The config file is conexizan.toml in the current folder, --config FILE or
CONEXIZAN_CONFIG; environment variables (CONEXIZAN_DOMAIN, …) override it.
`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' }, days: { type: 'string' }, reason: { type: 'string' }, venue: { type: 'string' } },
    allowPositionals: true,
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  if (values.days !== undefined && command !== 'invite') {
    process.stderr.write(`--days only goes with invite create\n\n${USAGE}`);
    return 2;
  }
  if ((values.reason !== undefined || values.venue !== undefined) && command !== 'room') {
    process.stderr.write(`--reason and --venue only go with room destroy\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig({ file: values.config });
  switch (command) {
    case 'serve':
      return runServe(config, values.config);
    case 'user':
      return runUser(config, rest);
    case 'check':
      return runCheck(config);
    case 'drain':
      return runDrain(config);
    case 'invite':
      return runInvite(config, rest, { days: values.days });
    case 'room':
      return runRoom(config, rest, { reason: values.reason, venue: values.venue });
    default:
      process.stderr.write(`unknown command ${command}\n\n${USAGE}`);
      return 2;
  }
}

main().then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`conexizan: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
