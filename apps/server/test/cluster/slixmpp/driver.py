#!/usr/bin/python3
"""
slixmpp clients (Debian's python3-slixmpp, a client library nobody here
wrote) driven by the cluster tests through JSON lines, so that one test can
put slixmpp users on some nodes and @xmpp/client users on others and say
what each does when. Each command names a client; slixmpp's own plugins do
the protocol (carbons, group chat, archive, PEP).

    /usr/bin/python3 driver.py --domain localhost

Commands on stdin, one JSON object a line, each answered by
{"reply": ID, "ok": true, ...} or {"reply": ID, "ok": false, "error": ...}:
    {"id": 1, "op": "login", "client": "alice", "jid": J, "password": P, "host": H, "port": N, "sm": false}
                                     (sm: stream management with resumption, XEP-0198)
    {"id": 2, "op": "message", "client": "alice", "to": J, "body": B, "type": "chat", "from": J (components only)}
    {"id": 3, "op": "presence", "client": "alice", "to": J, "type": "subscribe"}
    {"id": 4, "op": "roster", "client": "alice"}
    {"id": 5, "op": "carbons", "client": "alice"}
    {"id": 6, "op": "join", "client": "alice", "room": R, "nick": N}
    {"id": 7, "op": "groupchat", "client": "alice", "room": R, "body": B}
    {"id": 8, "op": "self_ping", "client": "alice", "room": R, "nick": N}   (XEP-0410)
    {"id": 9, "op": "mam", "client": "alice", "with": J}
    {"id": 10, "op": "interest", "client": "alice", "node": N}   (XEP-0163 +notify, announced in new caps)
    {"id": 11, "op": "publish", "client": "alice", "node": N, "item": ID, "payload": XML}
    {"id": 12, "op": "drop", "client": "alice"}   (the socket dies without a goodbye)
    {"id": 13, "op": "reconnect", "client": "alice", "host": H, "port": N}
                                     (slixmpp connects there and resumes, XEP-0198: {"outcome": "resumed" | "new session"})
    {"id": 14, "op": "component", "client": "bot", "jid": D, "secret": S, "host": H, "port": N}
                                     (slixmpp's ComponentXMPP, XEP-0114, serving domain D)
    {"id": 15, "op": "logout", "client": "alice"}
Every message, presence and iq a client receives, and every carbon slixmpp's
XEP-0280 plugin recognises, is printed as an event:
    {"event": "stanza", "client": "alice", "xml": "<message …/>"}
    {"event": "carbon", "client": "alice", "direction": "received", "xml": "<message …/>"}
    {"event": "closed", "client": "alice", "stream_error": …}
"""
import argparse
import asyncio
import json
import os
import sys
import traceback
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'interop', 'slixmpp'))

from slixmpp import JID, ComponentXMPP  # noqa: E402
from slixmpp.exceptions import IqError, IqTimeout  # noqa: E402
from slixmpp.xmlstream.handler import Callback  # noqa: E402
from slixmpp.xmlstream.matcher import MatchXPath  # noqa: E402

from scenario import WAIT, Client, emit  # noqa: E402

PLUGINS = ('xep_0004', 'xep_0045', 'xep_0059', 'xep_0060', 'xep_0115', 'xep_0163', 'xep_0280', 'xep_0297', 'xep_0313', 'xep_0359')


class Driver:
    def __init__(self):
        self.clients = {}

    async def login(self, cmd):
        jid = JID(cmd['jid'])
        client = Client(cmd['client'], str(jid), cmd['password'], mechanism=cmd.get('mechanism', 'SCRAM-SHA-256'))
        for plugin in PLUGINS:
            client.register_plugin(plugin)
        if cmd.get('sm'):
            client.register_plugin('xep_0198')
        name = cmd['client']
        for kind in ('message', 'presence', 'iq'):
            client.register_handler(Callback(f'all {kind}s', MatchXPath('{jabber:client}' + kind),
                                             lambda stanza, name=name: emit_event('stanza', name, xml=str(stanza))))
        client.add_event_handler('carbon_received', lambda msg: emit_event('carbon', name, direction='received', xml=str(msg['carbon_received'])))
        client.add_event_handler('carbon_sent', lambda msg: emit_event('carbon', name, direction='sent', xml=str(msg['carbon_sent'])))
        client.add_event_handler('disconnected', lambda _: emit_event('closed', name, stream_error=client.stream_error))
        self.clients[name] = client
        client.connect(address=(cmd['host'], cmd['port']), force_starttls=True, disable_starttls=False)
        session = await asyncio.wait_for(asyncio.shield(client.session), WAIT)
        if not session['ok']:
            raise RuntimeError(f'login failed: {session}')
        return {'jid': session['jid']}

    async def command(self, cmd):
        op = cmd['op']
        if op == 'login':
            return await self.login(cmd)
        if op == 'component':
            return await self.component(cmd)
        client = self.clients[cmd['client']]
        if op == 'message':
            client.send_message(mto=cmd['to'], mbody=cmd['body'], mtype=cmd.get('type', 'chat'), mfrom=cmd.get('from'))
            return {}
        if op == 'presence':
            client.send_presence(pto=cmd.get('to'), ptype=cmd.get('type'))
            return {}
        if op == 'roster':
            return {'items': await client.roster_from_server()}
        if op == 'carbons':
            await client['xep_0280'].enable(timeout=WAIT)
            return {}
        if op == 'join':
            await client['xep_0045'].join_muc_wait(JID(cmd['room']), cmd['nick'], maxstanzas=0, timeout=WAIT)
            return {}
        if op == 'groupchat':
            client.send_message(mto=cmd['room'], mbody=cmd['body'], mtype='groupchat')
            return {}
        if op == 'self_ping':
            # XEP-0410: a ping to one's own occupant JID; the room answers for it.
            try:
                await client['xep_0199'].send_ping(JID(f"{cmd['room']}/{cmd['nick']}"), timeout=WAIT)
                return {'joined': True}
            except IqError as error:
                return {'joined': False, 'condition': error.iq['error']['condition']}
        if op == 'mam':
            iq = await client['xep_0313'].retrieve(jid=JID(client.boundjid.bare), with_jid=JID(cmd['with']) if cmd.get('with') else None, timeout=WAIT)
            results = []
            for msg in iq['mam']['results']:
                original = msg['mam_result']['forwarded']['stanza']
                results.append({'from': str(original['from']), 'to': str(original['to']), 'body': original['body'], 'id': msg['mam_result']['id']})
            return {'results': results, 'complete': iq.xml.find('{urn:xmpp:mam:2}fin').get('complete')}
        if op == 'interest':
            client['xep_0163'].add_interest(cmd['node'])
            await client['xep_0115'].update_caps()  # add_interest alone does not announce the new caps
            return {}
        if op == 'publish':
            iq = await client['xep_0060'].publish(JID(client.boundjid.bare), cmd['node'], id=cmd.get('item'), payload=ET.fromstring(cmd['payload']), timeout=WAIT)
            return {'id': iq['pubsub']['publish']['item']['id']}
        if op == 'drop':
            lost = asyncio.get_event_loop().create_future()
            client.add_event_handler('disconnected', lambda _: lost.done() or lost.set_result(True), disposable=True)
            client.abort()
            await asyncio.wait_for(lost, WAIT)
            return {}
        if op == 'reconnect':
            return await self.reconnect(client, cmd)
        if op == 'logout':
            await client.leave()
            del self.clients[cmd['client']]
            return {}
        raise ValueError(f'unknown op {op}')

    async def component(self, cmd):
        name = cmd['client']
        component = ComponentXMPP(cmd['jid'], cmd['secret'], cmd['host'], cmd['port'])
        started = asyncio.get_event_loop().create_future()
        component.add_event_handler('session_start', lambda _: started.done() or started.set_result(True))
        component.add_event_handler('disconnected', lambda _: emit_event('closed', name, stream_error=None))
        component.register_handler(Callback('all messages', MatchXPath('{jabber:component:accept}message'),
                                            lambda stanza: emit_event('stanza', name, xml=str(stanza))))
        self.clients[name] = component
        component.connect()
        await asyncio.wait_for(started, WAIT)
        return {}

    async def reconnect(self, client, cmd):
        """After a drop: slixmpp connects to a node and resumes (XEP-0198), or starts a new session if it cannot."""
        outcome = asyncio.get_event_loop().create_future()

        def settle(value):
            if not outcome.done():
                outcome.set_result(value)
        client.add_event_handler('session_resumed', lambda _: settle('resumed'), disposable=True)
        client.add_event_handler('session_end', lambda _: settle('new session'), disposable=True)
        client.connect(address=(cmd['host'], cmd['port']), force_starttls=True, disable_starttls=False)
        return {'outcome': await asyncio.wait_for(outcome, WAIT)}

    async def run(self):
        loop = asyncio.get_event_loop()
        emit('ready')
        tasks = set()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            cmd = json.loads(line)
            if cmd.get('op') == 'quit':
                break
            # Commands run side by side: one client may wait for something another one does.
            task = asyncio.ensure_future(self.answer(cmd))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        for client in list(self.clients.values()):
            try:
                await client.leave()
            except Exception:  # noqa: BLE001 - best effort on the way out
                pass
        emit('bye')

    async def answer(self, cmd):
        try:
            result = await asyncio.wait_for(self.command(cmd), 3 * WAIT)
            print(json.dumps({'reply': cmd.get('id'), 'ok': True, **result}), flush=True)
        except (IqError, IqTimeout, Exception) as error:  # noqa: BLE001 - reported to the test
            condition = error.iq['error']['condition'] if isinstance(error, IqError) else None
            print(json.dumps({'reply': cmd.get('id'), 'ok': False, 'error': f'{type(error).__name__}: {error}', 'condition': condition,
                              'trace': traceback.format_exc()}), flush=True)


def emit_event(kind, client, **fields):
    print(json.dumps({'event': kind, 'client': client, **fields}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--domain', default='localhost')
    parser.parse_args()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(Driver().run())


if __name__ == '__main__':
    main()
