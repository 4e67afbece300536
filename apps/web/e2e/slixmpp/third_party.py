#!/usr/bin/python3
"""
A third party for the web client's end-to-end tests: a slixmpp user (a real
XMPP client nobody here wrote) who registers and then, towards the browser
users named with --peer:
- accepts their contact requests and asks back;
- answers each chat message with "slixmpp got: <body>", except "send me
  markup", which it answers with hostile markup in the body and in an
  XEP-0071 XHTML-IM payload (a client must never render either);
- downloads any file shared with it (an XEP-0066 out-of-band URL, as
  XEP-0363 uploads are shared) and reports its size and SHA-256;
and leaves when its standard input closes. Observations are JSON lines on
stdout, like the server's interop scripts, whose Client and helpers this
reuses (apps/server/test/interop/slixmpp).

    /usr/bin/python3 third_party.py --port 5222 --user carol --password ... --peer alice@localhost [--peer bob@localhost]
"""
import argparse
import asyncio
import hashlib
import os
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../server/test/interop/slixmpp'))
from scenario import Scenario, emit, run_story  # noqa: E402
from slixmpp.xmlstream import ET  # noqa: E402

LONG_WAIT = 120.0  # the browser side may be slow on a busy machine
MAX_DOWNLOAD = 1 << 20
HOSTILE_BODY = '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> from slixmpp'
HOSTILE_XHTML = ("<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>"
                 "<img src='x' onerror='window.__pwned=3'/><script>window.__pwned=4</script>"
                 "<a href='javascript:window.__pwned=5'>click</a><p>rich text from slixmpp</p></body></html>")


def download(url):
    with urllib.request.urlopen(url, timeout=20) as response:
        data = response.read(MAX_DOWNLOAD + 1)
        return {'status': response.status, 'content_type': response.headers.get('content-type'),
                'size': len(data), 'sha256': hashlib.sha256(data).hexdigest()}


async def story(args):
    scenario = Scenario(args)
    try:
        client, session = await scenario.connect('third', args.user, args.password, register=True)
        emit('ready', **session)
        if not session['ok']:
            return
        peers = set(args.peer)
        loop = asyncio.get_event_loop()

        async def answer_subscriptions():
            while True:
                request = await client.subscribe_requests.get()
                emit('subscribe_request', **{'from': str(request['from'].bare)})
                if request['from'].bare in peers:
                    client.send_presence(pto=request['from'].bare, ptype='subscribed')
                    client.send_presence(pto=request['from'].bare, ptype='subscribe')

        async def answer_messages():
            while True:
                msg = await client.messages.get()
                if msg['type'] not in ('chat', 'normal') or not msg['body']:
                    continue
                emit('message', **{'from': str(msg['from'].bare), 'body': msg['body'], 'type': msg['type']})
                if msg['from'].bare not in peers:
                    continue
                oob = msg.xml.find('{jabber:x:oob}x/{jabber:x:oob}url')
                if oob is not None and oob.text:
                    try:
                        fetched = await loop.run_in_executor(None, download, oob.text)
                        emit('file', url=oob.text, ok=True, **fetched)
                    except Exception as error:  # noqa: BLE001 - reported, the test decides
                        emit('file', url=oob.text, ok=False, error=f'{type(error).__name__}: {error}')
                if msg['body'] == 'send me markup':
                    hostile = client.make_message(mto=msg['from'], mbody=HOSTILE_BODY, mtype='chat')
                    hostile.xml.append(ET.fromstring(HOSTILE_XHTML))
                    hostile.send()
                    emit('sent_markup', body=HOSTILE_BODY)
                    continue
                client.send_message(mto=msg['from'], mbody=f"slixmpp got: {msg['body']}", mtype='chat')
                emit('answered', body=msg['body'])

        tasks = [asyncio.ensure_future(answer_subscriptions()), asyncio.ensure_future(answer_messages())]
        # The test closes our standard input when it has seen what it needs.
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
    parser.add_argument('--peer', required=True, action='append', help='a browser user\'s bare JID (repeatable)')
    parser.add_argument('--debug', action='store_true')
    args = parser.parse_args()
    run_story(story, args, timeout=LONG_WAIT * 2)


if __name__ == '__main__':
    main()
