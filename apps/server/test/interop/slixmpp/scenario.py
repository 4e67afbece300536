#!/usr/bin/python3
"""
One user story against a running Conexizan server, told by slixmpp (a real
XMPP client library nobody here wrote). Run with Debian's /usr/bin/python3
and python3-slixmpp (1.8.3):

    /usr/bin/python3 scenario.py --host 127.0.0.1 --port 5222 --domain localhost --prefix t1

Every observation is printed on stdout as one JSON object per line, e.g.
{"step": "login", "user": "alice", "ok": true, "mechanism": "SCRAM-SHA-256"}.
The TypeScript test (../slixmpp.test.ts) decides what is right; this script
only reports what a user of slixmpp would see. Every wait is bounded: a
missing answer becomes {"ok": false, "error": "timeout ..."}, never a hang.
"""
import argparse
import asyncio
import json
import logging
import ssl
import sys
import time
import traceback

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

WAIT = 10.0  # seconds for any single expected event


def emit(step, **fields):
    print(json.dumps({"step": step, **fields}, default=str), flush=True)


class Client(slixmpp.ClientXMPP):
    """A slixmpp client that records what it sees in asyncio queues/futures."""

    def __init__(self, name, jid, password, register=False, mechanism='SCRAM-SHA-256', channel_binding=False):
        super().__init__(jid, password)
        self.name = name
        self.register_plugin('xep_0030')  # service discovery
        self.register_plugin('xep_0199')  # ping
        self.register_plugin('xep_0203')  # delayed delivery (offline messages)
        self.register_plugin('xep_0077')  # in-band registration
        # Known slixmpp 1.8.3 traps: a login-only client must not try to
        # register, and a registering one is told to register even if it
        # would not otherwise look at the stream feature.
        self['xep_0077'].create_account = register
        self['xep_0077'].force_registration = register
        # slixmpp refuses to send stanzas before the session starts, and the
        # plugin's own registration-form query goes out before our 'register'
        # handler runs: allow everything from the start while registering.
        self._always_send_everything = register
        if mechanism:
            self['feature_mechanisms'].use_mech = mechanism
        if not channel_binding:
            # slixmpp 1.8.3 only knows the tls-unique channel binding, which
            # TLS 1.3 does not define. When it has that data but is told to
            # use a non-PLUS mechanism it sends the gs2 flag 'y' ("I could
            # bind, I think you cannot"), and a server that offers -PLUS must
            # then refuse the login (RFC 5802 §6, downgrade protection). So a
            # client that is told to use plain SCRAM must also not claim
            # channel-binding support: gs2 flag 'n'.
            mechanisms = self['feature_mechanisms']
            default_credentials = mechanisms._default_credentials

            def credentials_without_binding(required, optional):
                values = default_credentials(required, optional)
                values.pop('channel_binding', None)
                return values

            mechanisms.sasl_callback = credentials_without_binding
        # The server's certificate is self-signed for "localhost".
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        # Subscriptions are answered by the scenario, like a user would.
        # (None = ask the application; False would make slixmpp answer every
        # request with 'unsubscribed' on its own.)
        self.roster.auto_authorize = None
        self.roster.auto_subscribe = False
        # With slixmpp's own mechanism choice, a failure is followed by the next mechanism.
        self.use_fallback = not mechanism

        loop = asyncio.get_event_loop()
        self.session = loop.create_future()
        self.gone = loop.create_future()
        self.registration = loop.create_future() if register else None
        self.messages = asyncio.Queue()
        self.subscribe_requests = asyncio.Queue()
        self.presences = []
        self.mechanism = None
        self.failed_mechanisms = []
        self.stream_error = None

        self.add_event_handler('session_start', self._on_session_start)
        self.add_event_handler('auth_success', self._on_auth_success)
        self.add_event_handler('failed_auth', self._on_failed_auth)
        self.add_event_handler('failed_all_auth', lambda _: self._settle(self.session, {'ok': False, 'condition': 'no-mechanism-left', 'failed_first': self.failed_mechanisms}))
        self.add_event_handler('disconnected', self._on_disconnected)
        self.add_event_handler('stream_error', self._on_stream_error)
        self.add_event_handler('message', lambda msg: self.messages.put_nowait(msg))
        self.add_event_handler('presence_subscribe', lambda p: self.subscribe_requests.put_nowait(p))
        self.add_event_handler('presence', lambda p: self.presences.append(p))
        self.add_event_handler('register', self._on_register)

    @staticmethod
    def _settle(future, value):
        if not future.done():
            future.set_result(value)

    def _tls_version(self):
        transport = self.transport
        ssl_object = transport.get_extra_info('ssl_object') if transport else None
        return ssl_object.version() if ssl_object else None

    def _on_auth_success(self, _stanza):
        # The mechanism slixmpp actually used, not the one we asked for.
        self.mechanism = self['feature_mechanisms'].mech.name

    async def _on_session_start(self, _event):
        self.send_presence()
        self._settle(self.session, {
            'ok': True,
            'jid': str(self.boundjid),
            'mechanism': self.mechanism,
            'tls': self._tls_version(),
            'failed_first': self.failed_mechanisms,
        })

    def _on_failed_auth(self, stanza):
        self.failed_mechanisms.append({'mechanism': self['feature_mechanisms'].mech.name, 'condition': stanza['condition'], 'text': stanza['text']})
        if self.use_fallback:
            return  # slixmpp goes on with the next mechanism by itself
        self._settle(self.session, {'ok': False, 'condition': stanza['condition'], 'text': stanza['text']})

    def _on_stream_error(self, error):
        self.stream_error = error['condition']

    def _on_disconnected(self, reason):
        self._settle(self.session, {'ok': False, 'condition': 'disconnected', 'reason': str(reason), 'stream_error': self.stream_error})
        self._settle(self.gone, True)

    async def _on_register(self, _form):
        iq = self.Iq()
        iq['type'] = 'set'
        iq['register']['username'] = self.boundjid.user
        iq['register']['password'] = self.password
        try:
            await iq.send(timeout=WAIT)
            self._settle(self.registration, {'ok': True})
        except IqError as e:
            self._settle(self.registration, {'ok': False, 'condition': e.iq['error']['condition'], 'text': e.iq['error']['text']})
            self.disconnect()
        except IqTimeout:
            self._settle(self.registration, {'ok': False, 'condition': 'timeout'})
            self.disconnect()
        finally:
            # Back to slixmpp's normal rule for the rest of the session.
            self._always_send_everything = False

    async def roster_from_server(self):
        """A fresh roster get (not slixmpp's cache): what the server stored."""
        iq = self.Iq()
        iq['type'] = 'get'
        iq.enable('roster')
        result = await iq.send(timeout=WAIT)
        return {str(jid): {'subscription': item['subscription'], 'ask': item['ask'] or None}
                for jid, item in result['roster']['items'].items()}

    async def next_message(self, predicate, what):
        deadline = time.monotonic() + WAIT
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f'{self.name}: no {what} within {WAIT} s')
            msg = await asyncio.wait_for(self.messages.get(), remaining)
            if predicate(msg):
                return msg

    async def leave(self):
        if not self.gone.done():
            self.disconnect()
            await asyncio.wait_for(asyncio.shield(self.gone), WAIT)


class Scenario:
    def __init__(self, args):
        self.args = args
        self.domain = args.domain
        self.clients = []

    def jid(self, user):
        return f'{user}@{self.domain}'

    async def connect(self, name, user, password, register=False, mechanism='SCRAM-SHA-256', resource='slix', channel_binding=False):
        client = Client(name, f'{self.jid(user)}/{resource}', password, register=register, mechanism=mechanism, channel_binding=channel_binding)
        self.clients.append(client)
        client.connect(address=(self.args.host, self.args.port), force_starttls=True, disable_starttls=False)
        if register:
            try:
                registration = await asyncio.wait_for(asyncio.shield(client.registration), WAIT)
            except asyncio.TimeoutError:
                registration = {'ok': False, 'condition': 'timeout'}
            emit('register', user=name, username=user, **registration)
        try:
            session = await asyncio.wait_for(asyncio.shield(client.session), WAIT)
        except asyncio.TimeoutError:
            session = {'ok': False, 'condition': 'timeout'}
        return client, session

    async def login(self, name, user, password, label, **kwargs):
        client, session = await self.connect(name, user, password, **kwargs)
        emit('login', user=name, label=label, **session)
        if not session['ok']:
            await client.leave()
            return None
        return client

    async def run(self):
        a = self.args
        alice_user, bob_user = f'{a.prefix}-alice', f'{a.prefix}-bob'
        alice_password, bob_password, bob_new_password = 'correct horse 1', 'battery staple 2', 'new staple 3!'
        alice_jid, bob_jid = self.jid(alice_user), self.jid(bob_user)

        # 1. In-band registration (XEP-0077), then login with SCRAM-SHA-256 over STARTTLS.
        alice, alice_session = await self.connect('alice', alice_user, alice_password, register=True)
        emit('login', user='alice', label='after-register', **alice_session)
        bob, bob_session = await self.connect('bob', bob_user, bob_password, register=True)
        emit('login', user='bob', label='after-register', **bob_session)
        if not (alice_session['ok'] and bob_session['ok']):
            raise RuntimeError('registration or first login failed; nothing more to try')

        # 1b. slixmpp left to its own choices (mechanism, channel binding): what a user gets out of the box.
        defaults = await self.login('alice', alice_user, alice_password, 'slixmpp-defaults', mechanism=None, resource='defaults', channel_binding=True)
        if defaults:
            await defaults.leave()

        # 2. Subscriptions both ways (RFC 6121 §3), answered by hand.
        alice.send_presence(pto=bob_jid, ptype='subscribe')
        request = await asyncio.wait_for(bob.subscribe_requests.get(), WAIT)
        emit('subscribe_request', user='bob', **{'from': str(request['from'])})
        bob.send_presence(pto=alice_jid, ptype='subscribed')
        bob.send_presence(pto=alice_jid, ptype='subscribe')
        request = await asyncio.wait_for(alice.subscribe_requests.get(), WAIT)
        emit('subscribe_request', user='alice', **{'from': str(request['from'])})
        alice.send_presence(pto=bob_jid, ptype='subscribed')

        async def roster_settles(client, contact):
            deadline = time.monotonic() + WAIT
            while True:
                items = await client.roster_from_server()
                if items.get(contact, {}).get('subscription') == 'both' or time.monotonic() > deadline:
                    return items
                await asyncio.sleep(0.1)

        emit('roster', user='alice', label='after-subscriptions', items=await roster_settles(alice, bob_jid))
        emit('roster', user='bob', label='after-subscriptions', items=await roster_settles(bob, alice_jid))
        # With 'both', each side sees the other's presence.
        await asyncio.sleep(0.3)
        emit('presence_seen', user='alice', **{'from': sorted({str(p['from'].bare) for p in alice.presences if p['type'] in ('available', '')})})
        emit('presence_seen', user='bob', **{'from': sorted({str(p['from'].bare) for p in bob.presences if p['type'] in ('available', '')})})

        # 3. Messages both ways.
        alice.send_message(mto=bob_jid, mbody='hello bob, from alice', mtype='chat')
        msg = await bob.next_message(lambda m: m['body'] == 'hello bob, from alice', 'message from alice')
        emit('message', user='bob', label='online', **describe(msg))
        bob.send_message(mto=alice.boundjid.full, mbody='hi alice, bob here', mtype='chat')
        msg = await alice.next_message(lambda m: m['body'] == 'hi alice, bob here', 'message from bob')
        emit('message', user='alice', label='online', **describe(msg))

        # 4. Bob goes offline; alice writes; bob reconnects and gets it with a delay stamp (XEP-0160/0203).
        await bob.leave()
        emit('offline', user='bob')
        await asyncio.sleep(0.2)
        alice.send_message(mto=bob_jid, mbody='while you were away', mtype='chat')
        await asyncio.sleep(0.5)  # let the server store it before bob is back
        bob = await self.login('bob', bob_user, bob_password, 'reconnect')
        msg = await bob.next_message(lambda m: m['body'] == 'while you were away', 'offline message')
        emit('message', user='bob', label='offline', **describe(msg))
        emit('roster', user='bob', label='after-reconnect', items=await bob.roster_from_server())

        # 5. Password change (XEP-0077 §3.3): the old password fails, the new one works.
        try:
            await bob['xep_0077'].change_password(bob_new_password, timeout=WAIT)
            emit('password_change', user='bob', ok=True)
        except IqError as e:
            emit('password_change', user='bob', ok=False, condition=e.iq['error']['condition'], text=e.iq['error']['text'])
        await bob.leave()
        await self.login('bob', bob_user, bob_password, 'old-password')
        bob = await self.login('bob', bob_user, bob_new_password, 'new-password')

        # 6. Account deletion (XEP-0077 §3.2): afterwards nobody can log in as bob.
        try:
            await bob['xep_0077'].cancel_registration(timeout=WAIT)
            emit('delete', user='bob', ok=True)
        except IqError as e:
            emit('delete', user='bob', ok=False, condition=e.iq['error']['condition'], text=e.iq['error']['text'])
        except IqTimeout:
            emit('delete', user='bob', ok=False, condition='timeout')
        try:
            await asyncio.wait_for(asyncio.shield(bob.gone), WAIT)
            emit('deleted_session_closed', user='bob', ok=True, stream_error=bob.stream_error)
        except asyncio.TimeoutError:
            emit('deleted_session_closed', user='bob', ok=False)
            await bob.leave()
        await self.login('bob', bob_user, bob_new_password, 'after-delete')
        emit('roster', user='alice', label='after-bob-deleted', items=await alice.roster_from_server())
        await alice.leave()

    async def close_all(self):
        for client in self.clients:
            try:
                await client.leave()
            except Exception:  # noqa: BLE001 - best effort on the way out
                pass


def describe(msg):
    # Look at the XML first: reading msg['delay'] would create an empty <delay/>.
    delay_el = msg.xml.find('{urn:xmpp:delay}delay')
    delay = None
    if delay_el is not None:
        parsed = msg['delay']['stamp']
        delay = {
            'stamp': delay_el.get('stamp'),
            'from': delay_el.get('from'),
            # what slixmpp's XEP-0203 plugin made of the stamp
            'parsed': parsed.isoformat() if parsed else None,
        }
    return {
        'from': str(msg['from']),
        'to': str(msg['to']),
        'type': msg['type'],
        'body': msg['body'],
        'delay': delay,
    }


async def main(make_scenario=None):
    """Runs a scenario (this file's, or another script's Scenario subclass) with bounded time."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--domain', default='localhost')
    parser.add_argument('--prefix', required=True)
    parser.add_argument('--debug', action='store_true')
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR, stream=sys.stderr,
                        format='%(asctime)s %(levelname)s %(name)s %(message)s')
    scenario = (make_scenario or Scenario)(args)
    try:
        await asyncio.wait_for(scenario.run(), 45)
        emit('done', ok=True)
    except BaseException as error:  # noqa: BLE001 - reported, then the test fails on it
        emit('done', ok=False, error=f'{type(error).__name__}: {error}', trace=traceback.format_exc())
    finally:
        await scenario.close_all()


def server_arguments(*, user=True):
    """The arguments every script takes to reach the server (and, with `user`, whom to log in as)."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--domain', default='localhost')
    if user:
        parser.add_argument('--user', required=True)
        parser.add_argument('--password', required=True)
    parser.add_argument('--debug', action='store_true')
    return parser


def run_story(story, args, timeout=40):
    """Runs one story coroutine against the server, bounded in time, and reports
    'done' (ok, or the error with its trace) as the last observation."""
    logging.basicConfig(level=logging.DEBUG if getattr(args, 'debug', False) else logging.ERROR, stream=sys.stderr,
                        format='%(asctime)s %(levelname)s %(name)s %(message)s')

    async def bounded():
        try:
            await asyncio.wait_for(story(args), timeout)
            emit('done', ok=True)
        except BaseException as error:  # noqa: BLE001 - reported, then the test fails on it
            emit('done', ok=False, error=f'{type(error).__name__}: {error}', trace=traceback.format_exc())

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(bounded())


def run_main(make_scenario=None):
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(main(make_scenario))


if __name__ == '__main__':
    run_main()
