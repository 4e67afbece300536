#!/usr/bin/python3
"""
XEP-0065 through the server's proxy, told by slixmpp's own xep_0065 plugin:
alice discovers the proxy (disco#items, then the proxy/bytestreams
identity, then its streamhost), offers it to bob, and after bob (who
accepts every stream) has connected, connects too, activates and sends
bytes that bob must receive as sent.

    /usr/bin/python3 bytestreams.py --port 5222 --password PW --alice alice --bob bob --size N

One JSON object per line on stdout, like scenario.py (whose Client it uses).
"""
import argparse
import asyncio
import hashlib
import os

from scenario import Client, emit, run_story, WAIT


async def login(name, jid, password, args, **plugin_config):
    client = Client(name, jid, password)
    client.register_plugin('xep_0065', plugin_config)
    client.connect(address=(args.host, args.port), force_starttls=True, disable_starttls=False)
    session = await asyncio.wait_for(asyncio.shield(client.session), WAIT)
    emit('login', **session)
    if not session['ok']:
        raise RuntimeError(f'login of {name} failed')
    return client


async def run(args):
    alice = await login('alice', f'{args.alice}@{args.domain}/slix', args.password, args)
    bob = await login('bob', f'{args.bob}@{args.domain}/slix', args.password, args, auto_accept=True)
    received = bytearray()
    complete = asyncio.get_running_loop().create_future()

    def on_data(data):
        received.extend(data)
        if len(received) >= args.size and not complete.done():
            complete.set_result(None)

    bob.add_event_handler('socks5_data', on_data)
    try:
        proxies = await alice['xep_0065'].discover_proxies(timeout=WAIT)
        emit('proxies', proxies={str(jid): [host, str(port)] for jid, (host, port) in proxies.items()})
        conn = await alice['xep_0065'].handshake(bob.boundjid, timeout=WAIT)
        emit('handshake', ok=conn is not None)
        data = os.urandom(args.size)
        await conn.write(data)
        await asyncio.wait_for(complete, WAIT)
        emit('transfer', ok=bytes(received) == data, sent=len(data), received=len(received),
             sha256=hashlib.sha256(bytes(received)).hexdigest() == hashlib.sha256(data).hexdigest())
        # slixmpp 1.8.3's xep_0065 close() calls close() on its protocol objects, which have none: close the transports.
        for client in (alice, bob):
            for protocol in list(client['xep_0065']._sessions.values()):
                protocol.transport.close()
    finally:
        await alice.leave()
        await bob.leave()


def arguments():
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--domain', default='localhost')
    parser.add_argument('--alice', required=True)
    parser.add_argument('--bob', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--size', type=int, default=100000)
    parser.add_argument('--debug', action='store_true')
    return parser.parse_args()


if __name__ == '__main__':
    run_story(run, arguments())
