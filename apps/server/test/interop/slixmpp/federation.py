#!/usr/bin/python3
"""
Federation as two slixmpp users on two different servers see it: alice on
Conexizan, bob on the peer (Prosody, or a second Conexizan).

    /usr/bin/python3 federation.py --alice-host 127.0.0.2 --alice-port 5222 --alice-jid alice@cnx.test \
        --bob-host 127.0.0.3 --bob-port 5223 --bob-jid bob@prosody.test --password '...' --label t1

They subscribe to each other's presence (both directions), chat both ways,
each publishes an OMEMO-style device list with access model open that the
other fetches across the servers, and each reads the other's vCard. One JSON
object per line on stdout (see scenario.py); the TypeScript test decides
what is right.
"""
import argparse
import asyncio
import time

from slixmpp import JID
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream import ET

from scenario import WAIT, Client, emit, run_story

DEVICES = 'eu.siacs.conversations.axolotl.devicelist'
LEGACY = 'eu.siacs.conversations.axolotl'


async def connect(name, jid, password, host, port):
    client = Client(name, f'{jid}/slix', password, mechanism='SCRAM-SHA-1')
    for plugin in ('xep_0004', 'xep_0054', 'xep_0060', 'xep_0163'):
        client.register_plugin(plugin)
    client.connect(address=(host, port), force_starttls=True, disable_starttls=False)
    session = await asyncio.wait_for(asyncio.shield(client.session), WAIT)
    emit('login', user=name, **session)
    if not session['ok']:
        raise RuntimeError(f'{name} could not log in')
    return client


async def subscription_of(client, contact):
    return (await client.roster_from_server()).get(contact, {}).get('subscription')


async def until_subscription(client, contact, wanted):
    deadline = time.monotonic() + WAIT * 2
    state = None
    while time.monotonic() < deadline:
        state = await subscription_of(client, contact)
        if state == wanted:
            break
        await asyncio.sleep(0.2)
    return state


async def next_subscribe(client, contact):
    deadline = time.monotonic() + WAIT * 2
    while True:
        request = await asyncio.wait_for(client.subscribe_requests.get(), max(0.1, deadline - time.monotonic()))
        if request['from'].bare == contact:
            return request


def error_of(e):
    return {'ok': False, 'condition': e.iq['error']['condition'], 'type': e.iq['error']['type']}


async def publish_devices(client, owner, device_id):
    form = client['xep_0004'].make_form(ftype='submit')
    form.add_field(var='FORM_TYPE', ftype='hidden', value='http://jabber.org/protocol/pubsub#publish-options')
    form.add_field(var='pubsub#access_model', value='open')
    payload = ET.fromstring(f"<list xmlns='{LEGACY}'><device id='{device_id}'/></list>")
    try:
        await client['xep_0060'].publish(JID(owner), DEVICES, id='current', payload=payload, options=form, timeout=WAIT)
        return {'ok': True}
    except IqError as e:
        return error_of(e)


async def fetch_devices(client, owner):
    try:
        iq = await client['xep_0060'].get_items(JID(owner), DEVICES, timeout=WAIT * 2)
        devices = []
        for item in iq['pubsub']['items']:
            listing = item.xml.find(f'{{{LEGACY}}}list')
            if listing is not None:
                devices += [d.get('id') for d in listing.findall(f'{{{LEGACY}}}device')]
        return {'ok': True, 'devices': devices}
    except IqError as e:
        return error_of(e)
    except IqTimeout:
        return {'ok': False, 'condition': 'timeout'}


async def set_vcard(client, full_name):
    vcard = client['xep_0054'].make_vcard()
    vcard['FN'] = full_name
    await client['xep_0054'].publish_vcard(vcard, timeout=WAIT)


async def fetch_vcard(client, owner):
    try:
        iq = await client['xep_0054'].get_vcard(JID(owner), cached=False, local=False, timeout=WAIT * 2)
        return {'ok': True, 'fn': iq['vcard_temp']['FN']}
    except IqError as e:
        return error_of(e)
    except IqTimeout:
        return {'ok': False, 'condition': 'timeout'}


async def story(a):
    alice = await connect('alice', a.alice_jid, a.password, a.alice_host, a.alice_port)
    bob = await connect('bob', a.bob_jid, a.password, a.bob_host, a.bob_port)
    try:
        # Presence subscription, both directions.
        alice.send_presence(pto=a.bob_jid, ptype='subscribe')
        request = await next_subscribe(bob, a.alice_jid)
        emit('subscribe-request', user='bob', sender=str(request['from'].bare))
        bob.send_presence(pto=a.alice_jid, ptype='subscribed')
        bob.send_presence(pto=a.alice_jid, ptype='subscribe')
        request = await next_subscribe(alice, a.bob_jid)
        emit('subscribe-request', user='alice', sender=str(request['from'].bare))
        alice.send_presence(pto=a.bob_jid, ptype='subscribed')
        emit('roster', user='alice', contact=a.bob_jid, subscription=await until_subscription(alice, a.bob_jid, 'both'))
        emit('roster', user='bob', contact=a.alice_jid, subscription=await until_subscription(bob, a.alice_jid, 'both'))
        # Presence flows once subscribed (both sent initial presence at login; a fresh one now).
        alice.send_presence(pstatus=f'alice here {a.label}')
        deadline = time.monotonic() + WAIT
        seen = None
        while time.monotonic() < deadline and seen is None:
            seen = next((p for p in bob.presences if p['from'].bare == a.alice_jid and p['status'] == f'alice here {a.label}'), None)
            await asyncio.sleep(0.1)
        emit('presence', user='bob', sender=a.alice_jid, seen=seen is not None)

        # Chat both ways.
        alice.send_message(mto=a.bob_jid, mbody=f'hello bob {a.label}', mtype='chat')
        msg = await bob.next_message(lambda m: m['body'] == f'hello bob {a.label}', 'message from alice')
        emit('message', user='bob', sender=str(msg['from']), body=msg['body'])
        bob.send_message(mto=a.alice_jid, mbody=f'hello alice {a.label}', mtype='chat')
        msg = await alice.next_message(lambda m: m['body'] == f'hello alice {a.label}', 'message from bob')
        emit('message', user='alice', sender=str(msg['from']), body=msg['body'])

        # OMEMO-style device lists (access model open), fetched across the servers.
        emit('publish', user='alice', **await publish_devices(alice, a.alice_jid, '1111'))
        emit('publish', user='bob', **await publish_devices(bob, a.bob_jid, '2222'))
        emit('devices', user='bob', owner=a.alice_jid, **await fetch_devices(bob, a.alice_jid))
        emit('devices', user='alice', owner=a.bob_jid, **await fetch_devices(alice, a.bob_jid))

        # vCards, fetched across the servers.
        await set_vcard(alice, f'Alice {a.label}')
        await set_vcard(bob, f'Bob {a.label}')
        emit('vcard', user='bob', owner=a.alice_jid, **await fetch_vcard(bob, a.alice_jid))
        emit('vcard', user='alice', owner=a.bob_jid, **await fetch_vcard(alice, a.bob_jid))
    finally:
        await alice.leave()
        await bob.leave()


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    for side in ('alice', 'bob'):
        parser.add_argument(f'--{side}-host', required=True)
        parser.add_argument(f'--{side}-port', type=int, required=True)
        parser.add_argument(f'--{side}-jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--label', required=True)
    parser.add_argument('--debug', action='store_true')
    run_story(story, parser.parse_args(), timeout=120)
