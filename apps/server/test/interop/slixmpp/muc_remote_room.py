#!/usr/bin/python3
"""
The other direction of a group chat across servers, as slixmpp users see
it: bob, on Prosody, opens a room on Prosody's own MUC service
(conference.<prosody's domain>, with mod_muc_mam) and says something;
alice, whose account is on Conexizan, joins it over federation, gets the
room's history, talks with bob, receives his private message from his
occupant JID, and reads the room's archive (XEP-0313 to the room).

    /usr/bin/python3 muc_remote_room.py --alice-host 127.0.0.8 --alice-port 5222 --alice-jid alice@cnxmuc.test \
        --bob-host 127.0.0.9 --bob-port 5223 --bob-jid bob@prosody-muc.test --password '...' \
        --room lobby@conference.prosody-muc.test

One JSON object per line on stdout (see scenario.py); the TypeScript test
(../muc-federation.test.ts) decides what is right.
"""
import argparse
import asyncio
import time

from slixmpp import JID
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from muc_federation import connect, join
from scenario import WAIT, emit, run_story


async def story(args):
    alice = await connect('alice', args.alice_jid, args.password, args.alice_host, args.alice_port)
    bob = await connect('bob', args.bob_jid, args.password, args.bob_host, args.bob_port)
    alice.register_plugin('xep_0313')
    room = args.room
    try:
        await join(bob, 'bob', room, 'Bob')
        await bob['xep_0045'].set_room_config(JID(room), bob['xep_0004'].make_form(ftype='submit'), timeout=WAIT)
        bob.send_message(mto=room, mbody='said before alice came', mtype='groupchat')
        await bob.next_message(lambda m: m['body'] == 'said before alice came', 'own groupchat echo')

        try:
            _presence, _subject, occupants, history = await alice['xep_0045'].join_muc_wait(JID(room), 'Alice', maxstanzas=20, timeout=WAIT * 3)
        except Exception as error:
            emit('join', user='alice', ok=False, error=repr(error))
            raise
        emit('join', user='alice', ok=True, occupants=sorted(p['from'].resource for p in occupants),
             history=[{'sender': str(m['from']), 'body': m['body'], 'delayed': m['delay']['stamp'] is not None} for m in history])

        alice.send_message(mto=room, mbody='hello from conexizan', mtype='groupchat')
        msg = await bob.next_message(lambda m: m['body'] == 'hello from conexizan', 'groupchat from alice')
        emit('groupchat', user='bob', sender=str(msg['from']))
        bob.send_message(mto=room, mbody='hello from prosody', mtype='groupchat')
        msg = await alice.next_message(lambda m: m['body'] == 'hello from prosody', 'groupchat from bob')
        emit('groupchat', user='alice', sender=str(msg['from']))
        bob.send_message(mto=f'{room}/Alice', mbody='just between us', mtype='chat')
        msg = await alice.next_message(lambda m: m['body'] == 'just between us', 'private message from bob')
        emit('private', user='alice', sender=str(msg['from']), type=msg['type'])

        # The room's archive (XEP-0313 to the room), collected by hand: slixmpp 1.8.3's own
        # result collector in retrieve() gathered none of Prosody's three results here,
        # although all of them reached the client before <fin/>.
        results = []
        alice.register_handler(Callback('room archive', MatchXPath('{jabber:client}message/{urn:xmpp:mam:2}result'),
                                        lambda m: results.append(m) if m['from'] == JID(room) else None))
        fin = await alice['xep_0313'].retrieve(jid=JID(room), timeout=WAIT, callback=lambda _iq: None)
        count = int(fin['mam_fin']['rsm']['count'] or 0)
        deadline = time.monotonic() + WAIT
        while len(results) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        bodies = [m['mam_result']['forwarded']['stanza']['body'] for m in results]
        emit('archive', user='alice', bodies=bodies, count=count)
    finally:
        await alice.leave()
        await bob.leave()


def main():
    parser = argparse.ArgumentParser()
    for name in ('alice', 'bob'):
        parser.add_argument(f'--{name}-host', required=True)
        parser.add_argument(f'--{name}-port', type=int, required=True)
        parser.add_argument(f'--{name}-jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--room', required=True)
    parser.add_argument('--debug', action='store_true')
    run_story(story, parser.parse_args(), timeout=100)


if __name__ == '__main__':
    main()
