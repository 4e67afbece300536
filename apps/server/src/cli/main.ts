import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.ts';
import { runCheck } from './check.ts';
import { runDrain } from './drain.ts';
import { runInvite } from './invite.ts';
import { runAnnounce, runAudit, runMotd, runReport } from './moderation.ts';
import { runRoom } from './room.ts';
import { runServe } from './serve.ts';
import { runSource } from './source.ts';
import { runUser } from './user.ts';

const USAGE = `usage: conexizan [--config FILE] <command>

commands:
  serve                 start the server (stops cleanly on SIGTERM or SIGINT: clients are
                        told to reconnect elsewhere, within shutdown.grace_seconds)
  drain                 make the running server stop taking clients and move them away
                        (it stays up until stopped); for preStop hooks and rolling restarts

With the server running, the commands below act on it (through its control
channel: sessions end, contacts are told, rooms close at once); with it
stopped, on the stored data.

  user add JID          create an account; the password is read from standard input or a prompt
  user passwd JID       set a new password (read the same way)
  user delete JID       delete an account and everything it stored
  user list [--search TEXT]
                        list the accounts (with --search: matching ones, suspended or not, online or not)
  user suspend JID [--reason TEXT] [--tell]
                        log the account out and keep it out; nothing reaches it, its data stays
                        (--tell: the user sees the reason when logging in)
  user unsuspend JID    lift a suspension
  user suspended        list the suspended accounts with reason and date
  user kick JID         end the sessions of an account (or one resource); it may log in again
  user export JID [--output FILE]
                        the account as a XEP-0227 file (credentials, contacts, vCard, PEP, archive)
  user import FILE [--as NAME] [--from OLD_JID] [--quiet-move]
                        create an account from such a file (the server must run); its contacts are
                        asked to follow the move (XEP-0283) unless --quiet-move
  announce [--all] [--subject TEXT] TEXT
                        a message to everyone online (--all: to every account); TEXT may come on standard input
  motd set TEXT | motd delete
                        the message of the day: everyone gets it once, at once or at the next login
  report list [--status open|resolved|dismissed|all] | report show ID | report close ID [--dismiss] [--note TEXT]
                        abuse reports (XEP-0377)
  audit [--before NUMBER]
                        what the operators did (who, what, when), newest first
  invite create [--days N]
                        print a one-time registration link (xmpp:…?register;preauth=…),
                        valid N days (default 7); the server keeps only a hash of it
  invite list           count the open invitations
  room list             list the group chat rooms
  room info ROOM        a room's settings, owners and admins, how many members and bans
  room lock ROOM        close a room: nobody but operators may enter
  room unlock ROOM      open it again
  room destroy ROOM [--reason TEXT] [--venue ROOM]
                        delete a room and its archive
  check                 check the config, certificate, database and ports
  source pack DIR [--commit SHA]
                        pack the source this command runs from (the allow list of /source/) into DIR,
                        for an install that will not have it (the container image); no config needed

The config file is conexizan.toml in the current folder, --config FILE or
CONEXIZAN_CONFIG; environment variables (CONEXIZAN_DOMAIN, …) override it.
`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      days: { type: 'string' },
      commit: { type: 'string' },
      reason: { type: 'string' },
      venue: { type: 'string' },
      tell: { type: 'boolean' },
      search: { type: 'string' },
      output: { type: 'string', short: 'o' },
      as: { type: 'string' },
      from: { type: 'string' },
      'quiet-move': { type: 'boolean' },
      all: { type: 'boolean' },
      subject: { type: 'string' },
      status: { type: 'string' },
      dismiss: { type: 'boolean' },
      note: { type: 'string' },
      before: { type: 'string' },
    },
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
  if ((values.venue !== undefined && command !== 'room') || (values.reason !== undefined && command !== 'room' && !(command === 'user' && rest[0] === 'suspend'))) {
    process.stderr.write(`--reason goes with room destroy and user suspend, --venue with room destroy\n\n${USAGE}`);
    return 2;
  }
  if (values.commit !== undefined && command !== 'source') {
    process.stderr.write(`--commit only goes with source pack\n\n${USAGE}`);
    return 2;
  }
  // Packing the source is about the program, not a server: no configuration.
  if (command === 'source') return runSource(rest, { commit: values.commit });
  const config = loadConfig({ file: values.config });
  switch (command) {
    case 'serve':
      return runServe(config, values.config);
    case 'user':
      return runUser(config, rest, { reason: values.reason, tell: values.tell, search: values.search, output: values.output, as: values.as, from: values.from, quietMove: values['quiet-move'] });
    case 'announce':
      return runAnnounce(config, rest, { all: values.all, subject: values.subject });
    case 'motd':
      return runMotd(config, rest);
    case 'report':
      return runReport(config, rest, { status: values.status, dismiss: values.dismiss, note: values.note });
    case 'audit':
      return runAudit(config, rest, { before: values.before });
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
