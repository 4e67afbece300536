import { formBoolean, formValue, MUC_STATUS, tryParseJid, xml, type DataFormField, type Element } from '@conexizan/protocol';
import type { AdHoc, CommandResponse } from '../adhoc/api.ts';
import type { Audit } from '../audit/api.ts';
import type { Operators } from '../operators/api.ts';
import type { RoomOperations } from './api.ts';
import { destroyRoom } from './admin.ts';
import type { Room } from './room.ts';
import type { MucService } from './service.ts';

/**
 * Ad-hoc commands (XEP-0050) on the server for the operators in `admins`:
 * list the rooms, close a room (everyone out, nobody in) or open it again,
 * and destroy a room with its archive. Nobody else sees them. Operators
 * see room names, occupant counts and settings, never messages. The
 * command line (`conexizan room …`) runs these same commands.
 */
export const MUC_COMMAND = (name: string) => `https://conexizan.org/commands#muc-${name}`;
const FORM_TYPE: DataFormField = { var: 'FORM_TYPE', type: 'hidden', values: ['https://conexizan.org/commands#muc'] };
const MAX_LISTED = 500;

/** The room a JID (or, for this service, a bare room name) names, or why there is none. */
export function findRoom(svc: MucService, value: string | undefined): Room | string {
  const given = value?.trim();
  const jid = tryParseJid(given && !given.includes('@') ? `${given}@${svc.jid}` : given);
  if (!jid || jid.domain !== svc.jid || !jid.local || jid.resource) return `expected a room such as lounge@${svc.jid}`;
  return svc.rooms.get(jid.local) ?? 'no such room';
}

/** One line per room for operators: address, how many are in it, its kind. */
export function roomSummary(room: Room): string {
  const c = room.config;
  const traits = [c.persistent ? 'persistent' : 'temporary', c.public ? 'public' : 'hidden', c.membersOnly ? 'members-only' : 'open', room.state.closed ? 'closed' : null].filter(Boolean);
  return `${room.jid.toString()}: ${room.occupants.size} in the room, ${traits.join(', ')}`;
}

export function sortedRooms(svc: MucService): Room[] {
  return [...svc.rooms.values()].sort((a, b) => a.jid.local.localeCompare(b.jid.local));
}

type OperatorAction = { kind: 'close'; closed: boolean } | { kind: 'destroy'; reason?: string | undefined; venue?: string | undefined };

/** An operator's action runs where the room lives (this node, or the one that hosts it in a cluster). */
async function onHost(svc: MucService, local: string, action: OperatorAction): Promise<void> {
  const place = await svc.locate(local);
  if (!place.local) {
    await svc.ctx.cluster.request(place.node, 'muc/operate', { room: local, action });
    return;
  }
  const room = svc.rooms.get(local);
  if (!room) throw new Error('no such room');
  if (action.kind === 'close') await closeHere(svc, room, action.closed);
  else await svc.serialize(local, () => destroyRoom(svc, room, destroyRequest(action.reason, action.venue)));
}

/** Operators' actions that other nodes pass to the node that hosts the room. */
export function registerOperatorRequests(svc: MucService): void {
  svc.ctx.cluster.onRequest('muc/operate', async (payload) => {
    const { room, action } = payload as { room: string; action: OperatorAction };
    await onHost(svc, room, action);
    return true;
  });
}

/** Closing puts everyone out (307) and keeps everyone but operators out; reopening lifts that. */
export async function setRoomClosed(svc: MucService, room: Room, closed: boolean): Promise<void> {
  await onHost(svc, room.jid.local, { kind: 'close', closed });
}

async function closeHere(svc: MucService, room: Room, closed: boolean): Promise<void> {
  await svc.serialize(room.jid.local, async () => {
    room.state.closed = closed || undefined;
    if (closed) {
      for (const occupant of [...room.occupants.values()]) await svc.removeOccupant(room, occupant, { codes: [MUC_STATUS.KICKED], reason: 'The room was closed by the service operator' });
    }
    await svc.persist(room);
  });
}

/** A §10.9 destroy element from an operator's reason and alternate venue. */
export function destroyRequest(reason: string | undefined, venue: string | undefined): Element {
  const alternate = tryParseJid(venue?.trim());
  const text = reason?.trim();
  return xml('destroy', { jid: alternate?.toString() }, text ? xml('reason', {}, text) : null);
}

export async function destroyRoomAsOperator(svc: MucService, room: Room, reason: string | undefined, venue: string | undefined): Promise<void> {
  await onHost(svc, room.jid.local, { kind: 'destroy', reason, venue });
}

/** A room's settings and people for operators, one line each (never its messages). */
export function roomDetails(room: Room): string[] {
  const c = room.config;
  return [
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
}

/** The 'muc' service (api.ts). */
export function roomOperations(svc: MucService): RoomOperations {
  return {
    service: svc.jid,
    whoIs: (occupant) => {
      const address = tryParseJid(occupant);
      const room = address?.resource && address.domain === svc.jid ? svc.rooms.get(address.local) : undefined;
      if (!room) return null;
      return room.occupants.get(address!.resource)?.realBare.toString() ?? room.nickOwner(address!.resource) ?? null;
    },
  };
}

export function registerOperatorCommands(adhoc: AdHoc, svc: MucService, operators: Operators, audit: Audit): void {
  const allowed = (requester: Parameters<Operators['isOperator']>[0]) => operators.isOperator(requester);
  const roomField: DataFormField = { var: 'room', type: 'jid-single', label: `The room, e.g. lounge@${svc.jid}`, required: true, values: [] };
  const error = (text: string): CommandResponse => ({ status: 'completed', notes: [{ type: 'error', text }] });

  adhoc.register({
    node: MUC_COMMAND('list-rooms'),
    name: 'List group chat rooms',
    allowed,
    execute: () => {
      const rooms = sortedRooms(svc);
      const lines = rooms.slice(0, MAX_LISTED).map(roomSummary);
      return {
        status: 'completed',
        form: {
          type: 'result',
          title: `${rooms.length} rooms`,
          fields: [FORM_TYPE, { var: 'rooms', type: 'text-multi', label: 'Rooms', values: lines }],
        },
      };
    },
  });

  adhoc.register({
    node: MUC_COMMAND('room-info'),
    name: 'Show a group chat room',
    allowed,
    execute: ({ form }) => {
      if (!form) return { status: 'executing', form: { type: 'form', title: 'Show a room', fields: [FORM_TYPE, roomField] }, actions: ['complete'] };
      const room = findRoom(svc, formValue(form, 'room'));
      if (typeof room === 'string') return error(room);
      return { status: 'completed', form: { type: 'result', title: room.jid.toString(), fields: [FORM_TYPE, { var: 'details', type: 'text-multi', label: 'Settings and people (never messages)', values: roomDetails(room) }] } };
    },
  });

  adhoc.register({
    node: MUC_COMMAND('close-room'),
    name: 'Close or reopen a group chat room',
    allowed,
    execute: async ({ requester, form }) => {
      if (!form) {
        return {
          status: 'executing',
          form: { type: 'form', title: 'Close a room', fields: [FORM_TYPE, roomField, { var: 'closed', type: 'boolean', label: 'Closed (unchecked: reopen)', values: ['1'] }] },
          actions: ['complete'],
        };
      }
      const room = findRoom(svc, formValue(form, 'room'));
      if (typeof room === 'string') return error(room);
      const closed = formBoolean(form, 'closed') ?? true;
      await setRoomClosed(svc, room, closed);
      await audit.record(requester, closed ? 'close-room' : 'reopen-room', room.jid.toString());
      return { status: 'completed', notes: [{ type: 'info', text: closed ? 'The room is closed.' : 'The room is open again.' }] };
    },
  });

  adhoc.register({
    node: MUC_COMMAND('destroy-room'),
    name: 'Destroy a group chat room',
    allowed,
    execute: async ({ requester, form }) => {
      if (!form) {
        return {
          status: 'executing',
          form: {
            type: 'form',
            title: 'Destroy a room and its archive',
            fields: [FORM_TYPE, roomField, { var: 'reason', type: 'text-single', label: 'Reason told to the people in it', values: [] }, { var: 'alternate', type: 'jid-single', label: 'Where they may go instead', values: [] }],
          },
          actions: ['complete'],
        };
      }
      const room = findRoom(svc, formValue(form, 'room'));
      if (typeof room === 'string') return error(room);
      await destroyRoomAsOperator(svc, room, formValue(form, 'reason'), formValue(form, 'alternate'));
      await audit.record(requester, 'destroy-room', room.jid.toString(), formValue(form, 'reason') ?? '');
      return { status: 'completed', notes: [{ type: 'info', text: 'The room is destroyed.' }] };
    },
  });
}
