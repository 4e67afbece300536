#!/usr/bin/python3
"""
The spammer of the web client's moderation test: a slixmpp user (a real
XMPP client nobody here wrote) driven step by step by JSON commands on its
standard input, reporting what it meets as JSON lines on stdout (the same
protocol as third_party.py):

    {"cmd": "spam", "to": "wendy@localhost", "body": "..."}   sends a chat message
    {"cmd": "login"}                                           logs in again (after being put out)
    {"cmd": "vcard"}                                           reads its own vCard from the server
    {"cmd": "join", "room": "r@conference.localhost", "nick": "N"}  enters a group chat (slixmpp's xep_0045)
    {"cmd": "spam_room", "room": "r@conference.localhost", "body": "..."}  says something there

It registers with a vCard, accepts contact requests from the --peer users,
reports every message it gets ("message", with the subject for notices),
and when the server ends its session says so ("gone", with the stream
error). It leaves when its standard input closes.

    /usr/bin/python3 spammer.py --port 5222 --user spammer --password ... --peer wendy@localhost
"""
import asyncio
import json
import os
import sys

from slixmpp import JID

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../server/test/interop/slixmpp'))
from scenario import WAIT, Scenario, emit, run_story, server_arguments  # noqa: E402

LONG_WAIT = 150.0


async def story(args):
    scenario = Scenario(args)
    loop = asyncio.get_event_loop()
    current = {'client': None}
    watchers = []

    def watch(client):
        async def messages():
            while True:
                msg = await client.messages.get()
                if msg['type'] in ('error',) or not msg['body']:
                    continue
                emit('message', **{'from': str(msg['from']), 'subject': msg['subject'], 'body': msg['body'], 'type': msg['type']})

        async def subscriptions():
            while True:
                request = await client.subscribe_requests.get()
                if str(request['from'].bare) in args.peer:
                    client.send_presence(pto=request['from'].bare, ptype='subscribed')
                    client.send_presence(pto=request['from'].bare, ptype='subscribe')
                    emit('accepted', **{'from': str(request['from'].bare)})

        async def gone():
            await client.gone
            emit('gone', stream_error=client.stream_error)

        watchers.extend(asyncio.ensure_future(task()) for task in (messages, subscriptions, gone))

    try:
        client, session = await scenario.connect('spammer', args.user, args.password, register=True)
        if session['ok']:
            client.register_plugin('xep_0054')
            vcard = client['xep_0054'].make_vcard()
            vcard['FN'] = 'Totally Legit Shop'
            await client['xep_0054'].publish_vcard(vcard, timeout=WAIT)
            current['client'] = client
            watch(client)
        emit('ready', **session)

        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                break
            command = json.loads(line)
            if command['cmd'] == 'spam':
                current['client'].send_message(mto=command['to'], mbody=command['body'], mtype='chat')
                emit('spam_sent', to=command['to'])
            elif command['cmd'] == 'login':
                client, session = await scenario.connect('spammer', args.user, args.password)
                emit('login', **session)
                if session['ok']:
                    client.register_plugin('xep_0054')
                    current['client'] = client
                    watch(client)
            elif command['cmd'] == 'vcard':
                client = current['client']
                card = await client['xep_0054'].get_vcard(jid=client.boundjid.bare, cached=False, local=False, timeout=WAIT)
                emit('vcard', fn=card['vcard_temp']['FN'])
            elif command['cmd'] == 'join':
                client = current['client']
                client.register_plugin('xep_0045')
                try:
                    await client['xep_0045'].join_muc_wait(JID(command['room']), command['nick'], maxstanzas=0, timeout=WAIT)
                    emit('joined', room=command['room'], ok=True)
                except Exception as error:  # noqa: BLE001 (the test reads what went wrong)
                    emit('joined', room=command['room'], ok=False, error=f'{type(error).__name__}: {error}')
            elif command['cmd'] == 'spam_room':
                current['client'].send_message(mto=JID(command['room']), mbody=command['body'], mtype='groupchat')
                emit('spam_sent', to=command['room'])
        for task in watchers:
            task.cancel()
    finally:
        await scenario.close_all()


def main():
    parser = server_arguments()
    parser.add_argument('--peer', action='append', default=[])
    args = parser.parse_args()
    run_story(story, args, timeout=LONG_WAIT * 3)


if __name__ == '__main__':
    main()
