#!/usr/bin/python3
"""
Personal eventing (XEP-0163) as slixmpp users meet it, with slixmpp's own
xep_0060, xep_0115 and xep_0163 plugins, against a running Conexizan server:

    /usr/bin/python3 pep.py --host 127.0.0.1 --port 5222 --domain localhost --prefix t1

alice publishes an OMEMO-style device list with publish-options
access_model=open to a node nobody created, and a mood with the default
(presence) access; a stranger reads the first and is refused the second.
bob, subscribed to alice's presence, asks for the node with +notify in his
caps and gets her next publication; alice's second resource did not ask and
gets nothing. One JSON object per line on stdout (see scenario.py); the
TypeScript test (../pep.test.ts) decides what is right.
"""
import asyncio
import time

from slixmpp import JID
from slixmpp.exceptions import IqError
from slixmpp.xmlstream import ET

from scenario import WAIT, Scenario, emit, run_main

PEP_PLUGINS = ('xep_0004', 'xep_0060', 'xep_0115', 'xep_0163')
DEVICES = 'eu.siacs.conversations.axolotl.devicelist'
LEGACY = 'eu.siacs.conversations.axolotl'
MOOD = 'http://jabber.org/protocol/mood'


def payload(xml_text):
    return ET.fromstring(xml_text)


def publish_options(client, **fields):
    form = client['xep_0004'].make_form(ftype='submit')
    form.add_field(var='FORM_TYPE', ftype='hidden', value='http://jabber.org/protocol/pubsub#publish-options')
    for name, value in fields.items():
        form.add_field(var=f'pubsub#{name}', value=value)
    return form


def error_of(e):
    app = [child.tag for child in e.iq['error'].xml if child.tag.startswith('{http://jabber.org/protocol/pubsub#errors}')]
    return {'ok': False, 'condition': e.iq['error']['condition'], 'type': e.iq['error']['type'], 'pubsub': app[0].split('}')[1] if app else None}


def event_items(msg):
    event = msg.xml.find('{http://jabber.org/protocol/pubsub#event}event')
    items = event.find('{http://jabber.org/protocol/pubsub#event}items') if event is not None else None
    if items is None:
        return None
    return {'node': items.get('node'), 'from': str(msg['from']),
            'ids': [item.get('id') for item in items.findall('{http://jabber.org/protocol/pubsub#event}item')]}


class PepScenario(Scenario):
    async def login_with_pep(self, name, user, password, label, register=False, resource='slix'):
        client, session = await self.connect(name, user, password, register=register, resource=resource)
        emit('login', user=name, label=label, **session)
        if not session['ok']:
            raise RuntimeError(f'{name} could not log in ({label})')
        for plugin in PEP_PLUGINS:
            client.register_plugin(plugin)
        # slixmpp hands pubsub event messages to its xep_0060 plugin, not to 'message'.
        client.pubsub_events = asyncio.Queue()
        client.add_event_handler('pubsub_publish', lambda msg: client.pubsub_events.put_nowait(msg))
        return client

    async def read(self, client, name, owner, node, label):
        try:
            iq = await client['xep_0060'].get_items(JID(owner), node, timeout=WAIT)
            ids = [item['id'] for item in iq['pubsub']['items']]
            emit('items', user=name, label=label, ok=True, ids=ids)
        except IqError as e:
            emit('items', user=name, label=label, **error_of(e))

    async def events(self, client, node, seconds):
        """The pubsub events for `node` this client receives within `seconds`."""
        seen = []
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                msg = await asyncio.wait_for(client.pubsub_events.get(), remaining)
            except asyncio.TimeoutError:
                break
            found = event_items(msg)
            if found and found['node'] == node:
                seen.append(found)
        return seen

    async def run(self):
        a = self.args
        users = {name: f'{a.prefix}-{name}' for name in ('alice', 'bob', 'stranger')}
        password = 'correct horse 1'
        alice_jid, bob_jid = self.jid(users['alice']), self.jid(users['bob'])

        alice = await self.login_with_pep('alice', users['alice'], password, 'after-register', register=True)
        bob = await self.login_with_pep('bob', users['bob'], password, 'after-register', register=True)
        stranger = await self.login_with_pep('stranger', users['stranger'], password, 'after-register', register=True)

        info = await alice['xep_0030'].get_info(jid=JID(alice_jid), timeout=WAIT)
        emit('disco', user='alice', features=sorted(info['disco_info']['features']),
             identities=sorted(f'{i[0]}/{i[1]}' for i in info['disco_info']['identities']))

        # bob subscribes to alice's presence; she agrees.
        bob.send_presence(pto=alice_jid, ptype='subscribe')
        await asyncio.wait_for(alice.subscribe_requests.get(), WAIT)
        alice.send_presence(pto=bob_jid, ptype='subscribed')
        deadline = time.monotonic() + WAIT
        while (await bob.roster_from_server()).get(alice_jid, {}).get('subscription') != 'to' and time.monotonic() < deadline:
            await asyncio.sleep(0.1)

        # The device list: publish-options access_model=open, a node nobody created, no item id.
        devices = f'{DEVICES}.{a.prefix}'
        try:
            iq = await alice['xep_0060'].publish(JID(alice_jid), devices, payload=payload(f"<list xmlns='{LEGACY}'><device id='1'/></list>"),
                                                 options=publish_options(alice, access_model='open'), timeout=WAIT)
            emit('publish', user='alice', label='devices', ok=True, id=iq['pubsub']['publish']['item']['id'])
        except IqError as e:
            emit('publish', user='alice', label='devices', **error_of(e))
        # The same node asked to be presence-only: the node says open, so the precondition fails.
        try:
            await alice['xep_0060'].publish(JID(alice_jid), devices, id='current', payload=payload(f"<list xmlns='{LEGACY}'/>"),
                                            options=publish_options(alice, access_model='presence'), timeout=WAIT)
            emit('publish', user='alice', label='mismatch', ok=True)
        except IqError as e:
            emit('publish', user='alice', label='mismatch', **error_of(e))
        # A mood with the default (presence) access model.
        await alice['xep_0060'].publish(JID(alice_jid), MOOD, id='m1', payload=payload(f"<mood xmlns='{MOOD}'><happy/></mood>"), timeout=WAIT)

        await self.read(stranger, 'stranger', alice_jid, devices, 'devices')
        await self.read(stranger, 'stranger', alice_jid, MOOD, 'mood')
        await self.read(bob, 'bob', alice_jid, MOOD, 'mood')

        # bob wants device lists (+notify in his caps); alice's second resource wants nothing.
        second = await self.login_with_pep('alice', users['alice'], password, 'second-resource', resource='second')
        second.send_presence()
        bob['xep_0163'].add_interest(devices)
        await bob['xep_0115'].update_caps()  # add_interest alone does not announce the new caps
        await asyncio.sleep(1.0)  # presence with the new caps, the server's disco#info, bob's answer
        # Drain what arrived so far (the last item on presence counts separately).
        last = [found for found in (event_items(m) for m in self.drain(bob)) if found and found['node'] == devices]
        emit('last_item', user='bob', events=last)
        self.drain(second)

        await alice['xep_0060'].publish(JID(alice_jid), devices, id='current', payload=payload(f"<list xmlns='{LEGACY}'><device id='2'/></list>"), timeout=WAIT)
        emit('events', user='bob', events=await self.events(bob, devices, 3.0))
        emit('events', user='alice/second', events=await self.events(second, devices, 0.5))

        # The owner deletes the node; a stranger then finds nothing.
        await alice['xep_0060'].delete_node(JID(alice_jid), devices, timeout=WAIT)
        await self.read(stranger, 'stranger', alice_jid, devices, 'after-delete')
        for client in (alice, second, bob, stranger):
            await client.leave()

    @staticmethod
    def drain(client):
        out = []
        while not client.pubsub_events.empty():
            out.append(client.pubsub_events.get_nowait())
        return out


if __name__ == '__main__':
    run_main(PepScenario)
