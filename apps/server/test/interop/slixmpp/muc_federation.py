#!/usr/bin/python3
"""
A group chat across servers, as slixmpp users see it: alice on Conexizan
creates a room on conference.<her domain>; bob, whose account is on another
server (Prosody), joins it over federation, reads and writes, and gets a
private message from alice's occupant JID.

    /usr/bin/python3 muc_federation.py --alice-host 127.0.0.8 --alice-port 5222 --alice-jid alice@cnxmuc.test \
        --bob-host 127.0.0.9 --bob-port 5223 --bob-jid bob@prosody-muc.test --password '...' --room lounge@conference.cnxmuc.test

One JSON object per line on stdout (see scenario.py); the TypeScript test
(../muc-federation.test.ts) decides what is right.
"""
import argparse
import asyncio

from slixmpp import JID
from slixmpp.exceptions import PresenceError

from scenario import WAIT, Client, emit, run_story


async def connect(name, jid, password, host, port):
    client = Client(name, f'{jid}/slix', password, mechanism='SCRAM-SHA-1')
    for plugin in ('xep_0004', 'xep_0045'):
        client.register_plugin(plugin)
    client.connect(address=(host, port), force_starttls=True, disable_starttls=False)
    session = await asyncio.wait_for(asyncio.shield(client.session), WAIT)
    emit('login', user=name, **session)
    if not session['ok']:
        raise RuntimeError(f'{name} could not log in')
    return client


async def join(client, name, room, nick):
    try:
        presence, subject, occupants, _history = await client['xep_0045'].join_muc_wait(JID(room), nick, timeout=WAIT * 3)
        x = presence.xml.find('{http://jabber.org/protocol/muc#user}x')
        codes = sorted(int(s.get('code')) for s in x.findall('{http://jabber.org/protocol/muc#user}status')) if x is not None else []
        emit('join', user=name, ok=True, codes=codes, occupants=sorted(p['from'].resource for p in occupants))
    except PresenceError as error:
        emit('join', user=name, ok=False, condition=error.condition)
        raise


async def story(args):
    alice = await connect('alice', args.alice_jid, args.password, args.alice_host, args.alice_port)
    bob = await connect('bob', args.bob_jid, args.password, args.bob_host, args.bob_port)
    room = args.room
    try:
        await join(alice, 'alice', room, 'Alice')
        await alice['xep_0045'].set_room_config(JID(room), alice['xep_0004'].make_form(ftype='submit'), timeout=WAIT)
        await join(bob, 'bob', room, 'Bob')

        alice.send_message(mto=room, mbody='hello across servers', mtype='groupchat')
        msg = await bob.next_message(lambda m: m['body'] == 'hello across servers', 'groupchat from alice')
        emit('groupchat', user='bob', sender=str(msg['from']))
        bob.send_message(mto=room, mbody='hello back', mtype='groupchat')
        msg = await alice.next_message(lambda m: m['body'] == 'hello back', 'groupchat from bob')
        emit('groupchat', user='alice', sender=str(msg['from']))
        alice.send_message(mto=f'{room}/Bob', mbody='just for you', mtype='chat')
        msg = await bob.next_message(lambda m: m['body'] == 'just for you', 'private message from alice')
        emit('private', user='bob', sender=str(msg['from']))
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
