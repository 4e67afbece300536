#!/usr/bin/python3
"""
Group chat (XEP-0045) as slixmpp users meet it, with slixmpp's own
xep_0045 plugin (and xep_0313 for the room archive, xep_0199 for the
self-ping), against a running Conexizan server:

    /usr/bin/python3 muc.py --host 127.0.0.1 --port 5222 --domain localhost --prefix t1 --phase main
    /usr/bin/python3 muc.py ... --phase after-restart

'main': four people find the service, create and configure rooms, talk,
change nicks, are kicked, banned and given voice, flood, and try the
wrong doors (a taken nick, a members-only room, a wrong password, a ban
evaded from another resource, nonsense configuration). 'after-restart':
the room is still there with its name, subject, ban and history from the
archive. One JSON object per line on stdout (see scenario.py); the
TypeScript test (../muc.test.ts) decides what is right.
"""
import argparse
import asyncio

from slixmpp import JID
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath
from slixmpp.exceptions import IqError, PresenceError

from scenario import WAIT, Scenario, emit, run_story

PLUGINS = ('xep_0004', 'xep_0045', 'xep_0059', 'xep_0297', 'xep_0313', 'xep_0199')
PASSWORD = 'correct horse 1'


def codes(presence):
    x = presence.xml.find('{http://jabber.org/protocol/muc#user}x')
    return sorted(int(s.get('code')) for s in x.findall('{http://jabber.org/protocol/muc#user}status')) if x is not None else []


def muc_item(presence):
    x = presence.xml.find('{http://jabber.org/protocol/muc#user}x')
    item = x.find('{http://jabber.org/protocol/muc#user}item') if x is not None else None
    return dict(item.attrib) if item is not None else {}


class MucScenario(Scenario):
    def __init__(self, args):
        super().__init__(args)
        self.service = None
        self.room = None

    async def person(self, name, register, resource='slix'):
        client, session = await self.connect(name, f'{self.args.prefix}-{name}', PASSWORD, register=register, resource=resource)
        emit('login', user=name, resource=resource, **session)
        if not session['ok']:
            raise RuntimeError(f'{name} could not log in')
        for plugin in PLUGINS:
            client.register_plugin(plugin)
        client.room_presences = asyncio.Queue()
        client.add_event_handler('groupchat_presence', lambda p, c=client: c.room_presences.put_nowait(p))
        return client

    async def join(self, client, name, room, nick, **kwargs):
        try:
            presence, subject, occupants, history = await client['xep_0045'].join_muc_wait(JID(room), nick, timeout=WAIT, **kwargs)
            emit('join', user=name, room=room, nick=nick, ok=True, codes=codes(presence), item=muc_item(presence),
                 subject=subject['subject'], occupants=sorted(p['from'].resource for p in occupants),
                 history=[m['body'] for m in history])
            return True
        except PresenceError as error:
            emit('join', user=name, room=room, nick=nick, ok=False, condition=error.condition)
            return False

    async def presence_from(self, client, occupant, predicate=lambda p: True):
        while True:
            presence = await asyncio.wait_for(client.room_presences.get(), WAIT)
            if str(presence['from']) == occupant and predicate(presence):
                return presence

    async def iq(self, label, user, coroutine):
        try:
            result = await coroutine
            emit('iq', label=label, user=user, ok=True)
            return result
        except IqError as error:
            emit('iq', label=label, user=user, ok=False, condition=error.iq['error']['condition'])
            return None

    async def configure(self, client, room, values):
        form = await client['xep_0045'].get_room_config(JID(room), timeout=WAIT)
        submitted = client['xep_0004'].make_form(ftype='submit')
        submitted.add_field(var='FORM_TYPE', ftype='hidden', value='http://jabber.org/protocol/muc#roomconfig')
        for var, value in values.items():
            submitted.add_field(var=var, value=value)
        await client['xep_0045'].set_room_config(JID(room), submitted, timeout=WAIT)
        return sorted(form.get_fields().keys())

    async def run(self):
        phase = self.args.phase
        if phase == 'main':
            await self.main()
        else:
            await self.after_restart()

    async def main(self):
        domain = self.domain
        alice = await self.person('alice', True)
        bob = await self.person('bob', True)
        carol = await self.person('carol', True)
        mallory = await self.person('mallory', True)

        # Service discovery: the group chat service is the domain's first item.
        items = await alice['xep_0030'].get_items(jid=domain, timeout=WAIT)
        # In the server's order (slixmpp's own view of the items is a set).
        ns = 'http://jabber.org/protocol/disco#items'
        service = items.xml.find(f'{{{ns}}}query/{{{ns}}}item').get('jid')
        info = await alice['xep_0030'].get_info(jid=service, timeout=WAIT)
        emit('service', jid=str(service), identities=[f'{i[0]}/{i[1]}' for i in info['disco_info']['identities']], features=sorted(info['disco_info']['features']))
        room = f'{self.args.prefix}-lounge@{service}'

        # alice (an ordinary account) creates the room and configures it with slixmpp's form.
        await self.join(alice, 'alice', room, 'Alice')
        fields = await self.configure(alice, room, {'muc#roomconfig_roomname': 'The Lounge', 'muc#roomconfig_persistentroom': '1', 'muc#roomconfig_enablearchiving': '1'})
        emit('config_form', fields=fields)
        room_info = await alice['xep_0030'].get_info(jid=room, timeout=WAIT)
        emit('room_info', label='configured', name=[i[3] for i in room_info['disco_info']['identities']][0], features=sorted(room_info['disco_info']['features']))
        # Nonsense in the form: refused, the room unchanged.
        await self.iq('nonsense-config', 'alice', self.configure(alice, room, {'muc#roomconfig_maxusers': 'lots'}))
        await self.iq('nonsense-whois', 'alice', self.configure(alice, room, {'muc#roomconfig_whois': 'the-world'}))
        # (slixmpp hands subject messages to its MUC events only, not to 'message'.)
        subject_back = asyncio.ensure_future(alice.wait_until(f'muc::{room}::groupchat_subject', WAIT))
        alice['xep_0045'].set_subject(JID(room), 'Welcome to the lounge')
        await subject_back

        await self.join(bob, 'bob', room, 'Bob')
        await self.join(carol, 'carol', room, 'Carol')
        # A nick someone has: conflict.
        await self.join(mallory, 'mallory', room, 'Bob')

        # Talking.
        bob.send_message(mto=room, mbody='hello from bob', mtype='groupchat')
        for name, client in (('alice', alice), ('carol', carol)):
            msg = await client.next_message(lambda m: m['body'] == 'hello from bob', 'groupchat from bob')
            sid = msg.xml.find('{urn:xmpp:sid:0}stanza-id')
            emit('groupchat', user=name, **{'from': str(msg['from'])}, type=msg['type'], stanza_id_by=sid.get('by') if sid is not None else None)
        # A private message between occupants.
        carol.send_message(mto=f'{room}/Alice', mbody='psst, alice', mtype='chat')
        msg = await alice.next_message(lambda m: m['body'] == 'psst, alice', 'private message')
        emit('private', user='alice', **{'from': str(msg['from'])})

        # bob changes his nick; carol sees 303 and the new nick.
        bob.send_presence(pto=f'{room}/Robert')
        gone = await self.presence_from(carol, f'{room}/Bob', lambda p: p['type'] == 'unavailable')
        emit('nick_change', seen_by='carol', codes=codes(gone), item=muc_item(gone))

        # Self-ping (XEP-0410) to one's own occupant JID.
        await self.iq('self-ping', 'carol', carol['xep_0199'].send_ping(JID(f'{room}/Carol'), timeout=WAIT))

        # alice kicks Robert (307) …
        await self.iq('kick', 'alice', alice['xep_0045'].set_role(JID(room), 'Robert', 'none', reason='cool down', timeout=WAIT))
        kicked = await self.presence_from(bob, f'{room}/Robert', lambda p: p['type'] == 'unavailable')
        emit('kicked', user='bob', codes=codes(kicked))
        # … and bans carol (301); carol's other device cannot come in either.
        await self.iq('ban', 'alice', alice['xep_0045'].set_affiliation(JID(room), 'outcast', jid=JID(self.jid(f'{self.args.prefix}-carol')), reason='spam', timeout=WAIT))
        banned = await self.presence_from(carol, f'{room}/Carol', lambda p: p['type'] == 'unavailable')
        emit('banned', user='carol', codes=codes(banned))
        carol_phone = await self.person('carol', False, resource='phone')
        await self.join(carol_phone, 'carol-phone', room, 'NotCarol')
        await carol_phone.leave()

        # Moderated: mallory enters as a visitor, cannot speak, gets voice, speaks.
        await self.configure(alice, room, {'muc#roomconfig_moderatedroom': '1'})
        await self.join(mallory, 'mallory', room, 'Mallory')
        mallory.send_message(mto=room, mbody='can anyone hear me', mtype='groupchat')
        refused = await mallory.next_message(lambda m: m['type'] == 'error', 'error for a visitor')
        emit('visitor_message', user='mallory', condition=refused['error']['condition'])
        await self.iq('voice', 'alice', alice['xep_0045'].set_role(JID(room), 'Mallory', 'participant', timeout=WAIT))
        mallory.send_message(mto=room, mbody='now with voice', mtype='groupchat')
        await alice.next_message(lambda m: m['body'] == 'now with voice', 'mallory with voice')
        emit('voiced_message', seen_by='alice')

        # A flood: mallory is slowed down; alice is still heard by everyone.
        for i in range(25):
            mallory.send_message(mto=room, mbody=f'flood {i}', mtype='groupchat')
        flood_error = await mallory.next_message(lambda m: m['type'] == 'error', 'error for a flood')
        emit('flood', user='mallory', condition=flood_error['error']['condition'])
        alice.send_message(mto=room, mbody='still talking', mtype='groupchat')
        await mallory.next_message(lambda m: m['body'] == 'still talking', 'alice after the flood')
        emit('after_flood', seen_by='mallory')

        # The room archive (XEP-0313 on the room) as slixmpp queries it.
        iq = await alice['xep_0313'].retrieve(jid=JID(room), timeout=WAIT)
        bodies = [msg['mam_result']['forwarded']['stanza']['body'] for msg in iq['mam']['results']]
        emit('room_archive', user='alice', bodies=bodies)

        # A private group: members-only with a password; strangers and wrong passwords stay out.
        private = f'{self.args.prefix}-private@{service}'
        await self.join(alice, 'alice', private, 'Alice')
        await self.configure(alice, private, {'muc#roomconfig_membersonly': '1', 'muc#roomconfig_whois': 'anyone', 'muc#roomconfig_passwordprotectedroom': '1', 'muc#roomconfig_roomsecret': 'swordfish'})
        await self.join(mallory, 'mallory', private, 'Mallory')
        # Mallory is not in the room: she hears of it out of the room (status 101), and alice,
        # who sees real JIDs in this non-anonymous room, gets the room's notice (XEP-0045 §9).
        # They have no body, so slixmpp's 'message' event does not fire: a handler of our own.
        notices = {'mallory': asyncio.Queue(), 'alice': asyncio.Queue()}
        for client, name in ((mallory, 'mallory'), (alice, 'alice')):
            client.register_handler(Callback(f'affiliation notices {name}', MatchXPath('{jabber:client}message/{http://jabber.org/protocol/muc#user}x/{http://jabber.org/protocol/muc#user}item'),
                                             lambda m, q=notices[name]: q.put_nowait(m) if m['from'] == JID(private) else None))
        await self.iq('make-member', 'alice', alice['xep_0045'].set_affiliation(JID(private), 'member', jid=JID(self.jid(f'{self.args.prefix}-mallory')), timeout=WAIT))
        for name, queue in notices.items():
            notice = await asyncio.wait_for(queue.get(), WAIT)
            emit('affiliation_notice', user=name, codes=codes(notice), item=muc_item(notice), body=notice['body'])
        await self.join(mallory, 'mallory', private, 'Mallory', password='wrong')
        await self.join(mallory, 'mallory', private, 'Mallory', password='swordfish')
        members = await alice['xep_0045'].get_affiliation_list(JID(private), 'member', timeout=WAIT)
        emit('members', room='private', jids=sorted(str(j) for j in members))

        # A temporary room vanishes with its last occupant.
        temporary = f'{self.args.prefix}-temp@{service}'
        await self.join(bob, 'bob', temporary, 'Bob')
        await self.configure(bob, temporary, {'muc#roomconfig_persistentroom': '0'})
        # slixmpp 1.8.3's leave_muc sends pshow='unavailable', which its Presence turns into an
        # *available* presence (and it forgets the room before the answer): leave as XEP-0045 §7.14 says.
        bob.send_presence(pto=f'{temporary}/Bob', ptype='unavailable')
        left = await self.presence_from(bob, f'{temporary}/Bob', lambda p: p['type'] == 'unavailable')
        emit('left', user='bob', room='temporary', codes=codes(left))
        await self.iq('temporary-gone', 'bob', bob['xep_0030'].get_info(jid=temporary, timeout=WAIT))

        # A room to destroy, with an alternate venue.
        doomed = f'{self.args.prefix}-doomed@{service}'
        await self.join(bob, 'bob', doomed, 'Bob')
        await self.configure(bob, doomed, {})
        await self.join(mallory, 'mallory', doomed, 'Mallory')
        await self.iq('destroy', 'bob', bob['xep_0045'].destroy(JID(doomed), reason='moving on', altroom=JID(room), timeout=WAIT))
        told = await self.presence_from(mallory, f'{doomed}/Mallory', lambda p: p['type'] == 'unavailable')
        destroy = told.xml.find('{http://jabber.org/protocol/muc#user}x/{http://jabber.org/protocol/muc#user}destroy')
        emit('destroyed', user='mallory', jid=destroy.get('jid') if destroy is not None else None,
             reason=destroy.findtext('{http://jabber.org/protocol/muc#user}reason') if destroy is not None else None)

        for client in (alice, bob, carol, mallory):
            await client.leave()

    async def after_restart(self):
        service = f'conference.{self.domain}'
        room = f'{self.args.prefix}-lounge@{service}'
        alice = await self.person('alice', False, resource='back')
        info = await alice['xep_0030'].get_info(jid=room, timeout=WAIT)
        emit('room_info', label='after-restart', name=[i[3] for i in info['disco_info']['identities']][0], features=sorted(info['disco_info']['features']))
        await self.join(alice, 'alice', room, 'Alice', maxstanzas=50)
        carol = await self.person('carol', False, resource='after')
        await self.join(carol, 'carol', room, 'Carol')
        await alice.leave()
        await carol.leave()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--domain', default='localhost')
    parser.add_argument('--prefix', required=True)
    parser.add_argument('--phase', choices=('main', 'after-restart'), required=True)
    parser.add_argument('--debug', action='store_true')
    args = parser.parse_args()

    async def story(story_args):
        scenario = MucScenario(story_args)
        try:
            await scenario.run()
        finally:
            await scenario.close_all()

    run_story(story, args, timeout=100)


if __name__ == '__main__':
    main()
