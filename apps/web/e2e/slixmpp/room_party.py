#!/usr/bin/python3
"""
A slixmpp user in a group chat, for the web client's end-to-end tests: it
registers, waits for an invitation to a room (XEP-0045 §7.8.2, as the
browser sends it), enters with slixmpp's own xep_0045 plugin and then, in
the room, reports every message from someone else and answers those that
start with "ask slixmpp" with "slixmpp heard: <body>"; to "ask slixmpp to
correct" it sends "first draft" and then corrects it (XEP-0308) to "second
draft". It leaves when its
standard input closes. Observations are JSON lines on stdout (the helpers
of the server's interop scripts, as third_party.py uses them).

    /usr/bin/python3 room_party.py --port 5222 --user carol --password ... --nick Carol
"""
import argparse
import asyncio
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../server/test/interop/slixmpp'))
from scenario import Scenario, emit, run_story  # noqa: E402
from slixmpp import JID  # noqa: E402
from slixmpp.xmlstream import ET  # noqa: E402

LONG_WAIT = 120.0
OCCUPANT_ID = '{urn:xmpp:occupant-id:0}occupant-id'


async def story(args):
    scenario = Scenario(args)
    try:
        client, session = await scenario.connect('room-party', args.user, args.password, register=True)
        for plugin in ('xep_0004', 'xep_0045'):
            client.register_plugin(plugin)
        emit('ready', **session)
        if not session['ok']:
            return
        loop = asyncio.get_event_loop()
        invitations = asyncio.Queue()
        client.add_event_handler('groupchat_invite', lambda inv: invitations.put_nowait(inv))
        joined = {}

        async def enter_on_invitation():
            while True:
                invitation = await invitations.get()
                room = str(invitation['from'].bare)
                inviter = str(invitation['muc']['invite']['from'].bare)
                emit('invited', room=room, **{'from': inviter})
                try:
                    presence, subject, occupants, history = await client['xep_0045'].join_muc_wait(JID(room), args.nick, timeout=LONG_WAIT)
                except Exception as error:  # noqa: BLE001 - reported, the test decides
                    emit('joined', room=room, ok=False, error=f'{type(error).__name__}: {error}')
                    continue
                joined[room] = True
                emit('joined', room=room, ok=True, subject=str(subject['subject']) if subject is not None else '',
                     occupants=sorted(str(p['from'].resource) for p in occupants),
                     roles={str(p['from'].resource): p['muc']['role'] for p in occupants})

        async def room_messages():
            while True:
                msg = await client.messages.get()
                if msg['type'] != 'groupchat' or not msg['body']:
                    continue
                room = str(msg['from'].bare)
                nick = str(msg['from'].resource)
                if nick == args.nick or room not in joined:
                    continue
                occupant = msg.xml.find(OCCUPANT_ID)
                delayed = msg.xml.find('{urn:xmpp:delay}delay') is not None
                emit('groupchat', room=room, nick=nick, body=msg['body'], delayed=delayed,
                     occupant_id=occupant.get('id') if occupant is not None else None)
                if msg['body'] == 'ask slixmpp to correct' and not delayed:
                    draft = client.make_message(mto=JID(room), mbody='first draft', mtype='groupchat')
                    draft_id = draft['id']
                    draft.send()
                    correction = client.make_message(mto=JID(room), mbody='second draft', mtype='groupchat')
                    correction.xml.append(ET.Element('{urn:xmpp:message-correct:0}replace', id=draft_id))
                    correction.send()
                    emit('corrected', room=room, id=draft_id)
                elif msg['body'].startswith('ask slixmpp') and not delayed:
                    client.send_message(mto=JID(room), mbody=f"slixmpp heard: {msg['body']}", mtype='groupchat')
                    emit('answered', room=room, body=msg['body'])

        tasks = [asyncio.ensure_future(enter_on_invitation()), asyncio.ensure_future(room_messages())]
        await loop.run_in_executor(None, sys.stdin.read)
        for task in tasks:
            task.cancel()
    finally:
        await scenario.close_all()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--domain', default='localhost')
    parser.add_argument('--user', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--nick', required=True)
    parser.add_argument('--debug', action='store_true')
    args = parser.parse_args()
    run_story(story, args, timeout=LONG_WAIT * 4)


if __name__ == '__main__':
    main()
