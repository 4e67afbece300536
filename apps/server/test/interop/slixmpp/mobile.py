#!/usr/bin/python3
"""
Message carbons (XEP-0280) and the blocking command (XEP-0191) as slixmpp
(Debian's python3-slixmpp, its xep_0280 and xep_0191 plugins) sees them, on
accounts the TypeScript test created beforehand:

    /usr/bin/python3 mobile.py --story carbons|blocking --port 5222 --prefix t1 --password PW

One JSON object per line on stdout, like scenario.py; the test decides what
is right. Every wait is bounded.
"""
import argparse
import asyncio
import json
import logging
import ssl
import sys
import traceback

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

WAIT = 8.0


def emit(step, **fields):
    print(json.dumps({"step": step, **fields}, default=str), flush=True)


class Device(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        for plugin in ('xep_0030', 'xep_0280', 'xep_0191', 'xep_0297'):
            self.register_plugin(plugin)
        self['feature_mechanisms'].use_mech = 'SCRAM-SHA-256'
        mechanisms = self['feature_mechanisms']
        default_credentials = mechanisms._default_credentials

        def credentials_without_binding(required, optional):
            values = default_credentials(required, optional)
            values.pop('channel_binding', None)  # see scenario.py: slixmpp 1.8.3 and TLS 1.3
            return values

        mechanisms.sasl_callback = credentials_without_binding
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        loop = asyncio.get_event_loop()
        self.session = loop.create_future()
        self.seen = []  # everything a user of this device would see, in order
        self.add_event_handler('session_start', lambda _: (self.send_presence(), self.session.done() or self.session.set_result(True)))
        self.add_event_handler('message', lambda m: self.seen.append(('message', m)))
        self.add_event_handler('message_error', lambda m: self.seen.append(('message_error', m)))
        self.add_event_handler('carbon_received', lambda m: self.seen.append(('carbon_received', m)))
        self.add_event_handler('carbon_sent', lambda m: self.seen.append(('carbon_sent', m)))
        self.add_event_handler('blocked', lambda iq: self.seen.append(('blocked', iq)))
        self.add_event_handler('unblocked', lambda iq: self.seen.append(('unblocked', iq)))
        self.add_event_handler('presence', lambda p: self.seen.append(('presence', p)))

    async def wait_for(self, kind, predicate=lambda _: True):
        for _ in range(int(WAIT / 0.05)):
            for seen_kind, stanza in self.seen:
                if seen_kind == kind and predicate(stanza):
                    return stanza
            await asyncio.sleep(0.05)
        return None

    def kinds(self, kind):
        return [stanza for seen_kind, stanza in self.seen if seen_kind == kind]


def forwarded(carbon, kind):
    element = 'received' if kind == 'carbon_received' else 'sent'
    inner = carbon.xml.find(f'{{urn:xmpp:carbons:2}}{element}/{{urn:xmpp:forward:0}}forwarded/{{jabber:client}}message')
    if inner is None:
        return {'wrapper_from': str(carbon['from']), 'inner': None}
    return {'wrapper_from': str(carbon['from']), 'wrapper_to': str(carbon['to']),
            'from': inner.get('from'), 'to': inner.get('to'), 'body': inner.findtext('{jabber:client}body')}


def error_of(stanza):
    error = stanza.xml.find('{jabber:client}error')
    return sorted(child.tag for child in error) if error is not None else None


class Story:
    def __init__(self, args):
        self.args = args
        self.devices = []

    async def device(self, user, resource):
        device = Device(f'{self.args.prefix}-{user}@localhost/{resource}', self.args.password)
        self.devices.append(device)
        device.connect(address=('127.0.0.1', self.args.port), force_starttls=True, disable_starttls=False)
        await asyncio.wait_for(asyncio.shield(device.session), WAIT)
        return device

    def jid(self, user):
        return f'{self.args.prefix}-{user}@localhost'

    async def carbons(self):
        phone = await self.device('alice', 'phone')
        laptop = await self.device('alice', 'laptop')
        tablet = await self.device('alice', 'tablet')
        bob = await self.device('bob', 'pc')
        await phone['xep_0280'].enable(timeout=WAIT)
        await laptop['xep_0280'].enable(timeout=WAIT)
        emit('enabled', ok=True)
        await asyncio.sleep(0.3)

        # bob writes to alice's phone: the laptop (carbons) sees it too; the tablet (no carbons) does not.
        bob.send_message(mto=phone.boundjid.full, mbody='to your phone', mtype='chat')
        original = await phone.wait_for('message', lambda m: m['body'] == 'to your phone')
        emit('original', device='phone', ok=original is not None)
        carbon = await laptop.wait_for('carbon_received')
        emit('carbon_received', device='laptop', **(forwarded(carbon, 'carbon_received') if carbon else {'missing': True}))

        # alice answers from the phone: bob gets it, the laptop gets a sent carbon.
        phone.send_message(mto=bob.boundjid.bare, mbody='answer from the phone', mtype='chat')
        got = await bob.wait_for('message', lambda m: m['body'] == 'answer from the phone')
        emit('delivered', device='bob', ok=got is not None)
        carbon = await laptop.wait_for('carbon_sent')
        emit('carbon_sent', device='laptop', **(forwarded(carbon, 'carbon_sent') if carbon else {'missing': True}))

        # A private message is not copied.
        private = phone.make_message(mto=bob.boundjid.bare, mbody='just from here', mtype='chat')
        private.enable('carbon_private')
        private.send()
        got = await bob.wait_for('message', lambda m: m['body'] == 'just from here')
        emit('delivered_private', device='bob', ok=got is not None, private_left=got is not None and got.xml.find('{urn:xmpp:carbons:2}private') is not None)
        await asyncio.sleep(0.5)
        emit('copies', device='laptop', sent=len(laptop.kinds('carbon_sent')), received=len(laptop.kinds('carbon_received')))
        emit('copies', device='tablet', sent=len(tablet.kinds('carbon_sent')), received=len(tablet.kinds('carbon_received')),
             bodies=[m['body'] for m in tablet.kinds('message') if m['body']])

    async def blocking(self):
        one = await self.device('alice', 'one')
        two = await self.device('alice', 'two')
        bob = await self.device('bob', 'pc')
        blocklist = await two['xep_0191'].get_blocked(timeout=WAIT)
        emit('blocklist', label='before', items=sorted(str(j) for j in blocklist['blocklist']['items']))
        await bob.wait_for('presence', lambda p: p['from'] == one.boundjid and p['type'] == 'available')

        await one['xep_0191'].block(self.jid('bob'), timeout=WAIT)
        push = await two.wait_for('blocked')
        emit('push', kind='blocked', items=sorted(str(j) for j in push['block']['items']) if push else None)
        gone = await bob.wait_for('presence', lambda p: p['from'] == one.boundjid and p['type'] == 'unavailable')
        emit('bob_sees_alice', label='after-block', unavailable=gone is not None)

        bob.send_message(mto=self.jid('alice'), mbody='can you hear me?', mtype='chat')
        bounce = await bob.wait_for('message_error')
        emit('bob_bounce', error=error_of(bounce) if bounce else None)
        one.send_message(mto=self.jid('bob'), mbody='you are blocked', mtype='chat')
        refused = await one.wait_for('message_error')
        emit('alice_refused', error=error_of(refused) if refused else None)
        try:
            await bob['xep_0030'].get_info(jid=one.boundjid.full, timeout=WAIT)
            emit('bob_disco', ok=True)
        except IqError as e:
            emit('bob_disco', ok=False, condition=e.iq['error']['condition'])
        except IqTimeout:
            emit('bob_disco', ok=False, condition='timeout')
        one.send_presence(pstatus='busy now')
        await asyncio.sleep(0.4)
        emit('alice_saw', bodies=[m['body'] for d in (one, two) for m in d.kinds('message') if m['body'] and m['type'] != 'error'])
        emit('bob_saw', statuses=[p['status'] for p in bob.kinds('presence') if p['status']],
             bodies=[m['body'] for m in bob.kinds('message') if m['body'] and m['type'] != 'error'])

        await two['xep_0191'].unblock(self.jid('bob'), timeout=WAIT)
        push = await two.wait_for('unblocked')
        emit('push', kind='unblocked', device='two', items=sorted(str(j) for j in push['unblock']['items']) if push else None)
        await asyncio.sleep(0.3)
        emit('push', kind='unblocked', device='one', got=len(one.kinds('unblocked')) > 0)  # one never asked for the list
        back = await bob.wait_for('presence', lambda p: p['from'] == one.boundjid and p['status'] == 'busy now')
        emit('bob_sees_alice', label='after-unblock', status=back['status'] if back else None)
        bob.send_message(mto=self.jid('alice'), mbody='hello again', mtype='chat')
        got = await one.wait_for('message', lambda m: m['body'] == 'hello again')
        emit('after_unblock', delivered=got is not None)

    async def close(self):
        for device in self.devices:
            device.disconnect()
        await asyncio.sleep(0.2)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--story', choices=['carbons', 'blocking'], required=True)
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--prefix', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--debug', action='store_true')
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR, stream=sys.stderr)
    story = Story(args)
    try:
        await asyncio.wait_for(getattr(story, args.story)(), 40)
        emit('done', ok=True)
    except BaseException as error:  # noqa: BLE001 - reported, then the test fails on it
        emit('done', ok=False, error=f'{type(error).__name__}: {error}', trace=traceback.format_exc())
    finally:
        await story.close()


if __name__ == '__main__':
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(main())
