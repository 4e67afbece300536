import { buildDataForm, formType, NS, ROOMCONFIG, StanzaError, type DataForm, type DataFormField, type Element } from '@conexizan/protocol';
import type { AllowPm, Role, RoomConfig, Whois } from './room.ts';

/**
 * The owner's room configuration form (XEP-0045 §10.2, the muc#roomconfig
 * FORM_TYPE of §15.5.3) and reading a submitted one. A submission with a
 * value the room cannot take (a maximum that is not a number, a whois that
 * is neither 'moderators' nor 'anyone', a password-protected room without
 * a password…) is refused whole with not-acceptable, so a room is never
 * left half-configured.
 */

const WHOIS: readonly Whois[] = ['moderators', 'anyone'];
const ALLOW_PM: readonly AllowPm[] = ['anyone', 'participants', 'moderators', 'none'];
const ROLE_CHOICES: readonly Exclude<Role, 'none'>[] = ['moderator', 'participant', 'visitor'];
const roleOptions = ROLE_CHOICES.map((value) => ({ label: `${value[0]!.toUpperCase()}${value.slice(1)}s`, value }));
const MAX_TEXT = 1024;

export interface ConfigLimits {
  maxOccupants: number;
}

const bool = (value: boolean) => (value ? '1' : '0');

export function configForm(config: RoomConfig, owners: string[], admins: string[], limits: ConfigLimits): Element {
  const sizes = [...new Set([10, 20, 30, 50, 100, 200, 500, 1000].filter((n) => n < limits.maxOccupants).concat(limits.maxOccupants))];
  const fields: DataFormField[] = [
    { var: 'FORM_TYPE', type: 'hidden', values: [NS.MUC_ROOMCONFIG] },
    { var: ROOMCONFIG.name, type: 'text-single', label: 'Name', values: [config.name] },
    { var: ROOMCONFIG.description, type: 'text-single', label: 'Description', values: [config.description] },
    { var: ROOMCONFIG.language, type: 'text-single', label: 'Language', values: [config.language] },
    { var: ROOMCONFIG.persistent, type: 'boolean', label: 'Keep the room when the last person leaves', values: [bool(config.persistent)] },
    { var: ROOMCONFIG.public, type: 'boolean', label: 'List the room in the directory', values: [bool(config.public)] },
    { var: ROOMCONFIG.membersOnly, type: 'boolean', label: 'Only members may enter', values: [bool(config.membersOnly)] },
    { var: ROOMCONFIG.moderated, type: 'boolean', label: 'Only people with voice may speak', values: [bool(config.moderated)] },
    { var: ROOMCONFIG.passwordProtected, type: 'boolean', label: 'Needs a password to enter', values: [bool(config.password !== '')] },
    { var: ROOMCONFIG.password, type: 'text-private', label: 'Password', values: [config.password] },
    {
      var: ROOMCONFIG.whois,
      type: 'list-single',
      label: 'Who may see real addresses (private groups with OMEMO need: anyone)',
      values: [config.whois],
      options: [
        { label: 'Moderators only', value: 'moderators' },
        { label: 'Anyone', value: 'anyone' },
      ],
    },
    { var: ROOMCONFIG.maxUsers, type: 'list-single', label: 'Most people at once', values: [String(config.maxUsers)], options: sizes.map((n) => ({ value: String(n) })) },
    { var: ROOMCONFIG.changeSubject, type: 'boolean', label: 'Participants may change the subject', values: [bool(config.changeSubject)] },
    { var: ROOMCONFIG.allowInvites, type: 'boolean', label: 'Participants may invite others', values: [bool(config.allowInvites)] },
    {
      var: ROOMCONFIG.allowPm,
      type: 'list-single',
      label: 'Who may send private messages',
      values: [config.allowPm],
      options: ALLOW_PM.map((value) => ({ value })),
    },
    { var: ROOMCONFIG.presenceBroadcast, type: 'list-multi', label: 'Roles whose presence everyone sees', values: config.presenceBroadcast, options: roleOptions },
    { var: ROOMCONFIG.getMemberList, type: 'list-multi', label: 'Roles that may see who belongs (owners and admins always may)', values: config.getMemberList, options: roleOptions },
    { var: ROOMCONFIG.archiving, type: 'boolean', label: 'Keep a message archive (XEP-0313)', values: [bool(config.archiving)] },
    { var: ROOMCONFIG.owners, type: 'jid-multi', label: 'Owners', values: owners },
    { var: ROOMCONFIG.admins, type: 'jid-multi', label: 'Admins', values: admins },
  ];
  return buildDataForm({ type: 'form', title: 'Room configuration', fields });
}

export interface ConfigChange {
  config: RoomConfig;
  /** present when the form named them: the complete new lists */
  owners?: string[];
  admins?: string[];
}

const notAcceptable = (text: string) => new StanzaError('not-acceptable', { type: 'modify', text });

function readBoolean(field: DataFormField): boolean {
  const value = field.values[0] ?? '';
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false' || value === '') return false;
  throw notAcceptable(`${field.var} must be a boolean`);
}

function readText(field: DataFormField): string {
  const value = field.values.join('\n');
  if (value.length > MAX_TEXT) throw notAcceptable(`${field.var} is longer than ${MAX_TEXT} characters`);
  return value;
}

function readRoles(field: DataFormField): Exclude<Role, 'none'>[] {
  const values = [...new Set(field.values.map((value) => value.trim()).filter((value) => value !== ''))];
  for (const value of values) if (!ROLE_CHOICES.includes(value as Exclude<Role, 'none'>)) throw notAcceptable(`${field.var} takes ${ROLE_CHOICES.join(', ')}`);
  return ROLE_CHOICES.filter((role) => values.includes(role));
}

function readChoice<T extends string>(field: DataFormField, choices: readonly T[]): T {
  const value = field.values[0] as T;
  if (!choices.includes(value)) throw notAcceptable(`${field.var} must be one of ${choices.join(', ')}`);
  return value;
}

/** Applies a submitted form to `current`; fields left out keep their values (§10.2). */
export function readConfigForm(form: DataForm, current: RoomConfig, limits: ConfigLimits, parseJid: (value: string) => string | null): ConfigChange {
  if (form.type !== 'submit') throw new StanzaError('bad-request', { type: 'modify', text: "the configuration form must be of type 'submit'" });
  const type = formType(form);
  if (type !== undefined && type !== NS.MUC_ROOMCONFIG) throw notAcceptable(`FORM_TYPE must be ${NS.MUC_ROOMCONFIG}`);
  const config: RoomConfig = { ...current };
  const change: ConfigChange = { config };
  let passwordProtected: boolean | undefined;
  const jids = (field: DataFormField): string[] => {
    const list = field.values.map((value) => value.trim()).filter((value) => value !== '');
    return [...new Set(list.map((value) => parseJid(value) ?? (() => { throw notAcceptable(`${field.var}: '${value}' is not a JID`); })()))];
  };
  for (const field of form.fields) {
    switch (field.var) {
      case 'FORM_TYPE':
        break;
      case ROOMCONFIG.name:
        config.name = readText(field);
        break;
      case ROOMCONFIG.description:
        config.description = readText(field);
        break;
      case ROOMCONFIG.language:
        config.language = readText(field).slice(0, 35);
        break;
      case ROOMCONFIG.persistent:
        config.persistent = readBoolean(field);
        break;
      case ROOMCONFIG.public:
        config.public = readBoolean(field);
        break;
      case ROOMCONFIG.membersOnly:
        config.membersOnly = readBoolean(field);
        break;
      case ROOMCONFIG.moderated:
        config.moderated = readBoolean(field);
        break;
      case ROOMCONFIG.passwordProtected:
        passwordProtected = readBoolean(field);
        break;
      case ROOMCONFIG.password:
        config.password = readText(field);
        break;
      case ROOMCONFIG.whois:
        config.whois = readChoice(field, WHOIS);
        break;
      case ROOMCONFIG.maxUsers: {
        const value = (field.values[0] ?? '').trim();
        if (value === 'none' || value === '') config.maxUsers = limits.maxOccupants;
        else if (!/^\d{1,9}$/.test(value) || Number(value) < 1) throw notAcceptable('muc#roomconfig_maxusers must be a positive number');
        else if (Number(value) > limits.maxOccupants) throw notAcceptable(`this service allows at most ${limits.maxOccupants} people in a room`);
        else config.maxUsers = Number(value);
        break;
      }
      case ROOMCONFIG.changeSubject:
        config.changeSubject = readBoolean(field);
        break;
      case ROOMCONFIG.allowInvites:
        config.allowInvites = readBoolean(field);
        break;
      case ROOMCONFIG.allowPm:
        config.allowPm = readChoice(field, ALLOW_PM);
        break;
      case ROOMCONFIG.presenceBroadcast:
        config.presenceBroadcast = readRoles(field);
        break;
      case ROOMCONFIG.getMemberList:
        config.getMemberList = readRoles(field);
        break;
      case ROOMCONFIG.archiving:
        config.archiving = readBoolean(field);
        break;
      case ROOMCONFIG.owners:
        change.owners = jids(field);
        break;
      case ROOMCONFIG.admins:
        change.admins = jids(field);
        break;
      default:
        // Fields of other services' forms are not options here; ignoring them is what §10.2 allows.
        break;
    }
  }
  if (passwordProtected === false) config.password = '';
  if (passwordProtected === true && config.password === '') throw notAcceptable('a password-protected room needs a password (muc#roomconfig_roomsecret)');
  if (change.owners && change.owners.length === 0) throw notAcceptable('a room needs at least one owner');
  return change;
}
