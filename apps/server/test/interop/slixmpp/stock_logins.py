#!/usr/bin/python3
"""
Stock slixmpp 1.8.3 logging in again and again, as a bot or poezio does:
a plain slixmpp.ClientXMPP with slixmpp's own choice of SASL mechanism and
channel binding (none of the workaround scenario.py applies), trusting the
server's certificate through ca_certs as an operator would configure it.

    /usr/bin/python3 stock_logins.py --port 5222 --jid bot@localhost --password PW --ca CERT --logins 20

Each login, one after the other, is one JSON line: whether it worked, the
mechanism it ended on, the refusals it met on the way, how long it took.
The TypeScript test (../slixmpp-stock.test.ts) decides what is right.
"""
import argparse
import asyncio
import time

import slixmpp

from scenario import WAIT, emit, run_story


class StockClient(slixmpp.ClientXMPP):
    def __init__(self, jid, password, ca):
        super().__init__(jid, password)
        self.ca_certs = ca
        loop = asyncio.get_event_loop()
        self.outcome = loop.create_future()
        self.gone = loop.create_future()
        self.refusals = []
        self.add_event_handler('failed_auth', self._on_failed_auth)
        self.add_event_handler('session_start', self._on_session_start)
        self.add_event_handler('failed_all_auth', lambda _: self._settle(self.outcome, {'ok': False, 'condition': 'no-mechanism-left'}))
        self.add_event_handler('disconnected', self._on_disconnected)

    @staticmethod
    def _settle(future, value):
        if not future.done():
            future.set_result(value)

    def _on_failed_auth(self, stanza):
        self.refusals.append({'mechanism': self['feature_mechanisms'].mech.name, 'condition': stanza['condition']})

    def _on_session_start(self, _event):
        self._settle(self.outcome, {'ok': True, 'jid': str(self.boundjid), 'mechanism': self['feature_mechanisms'].mech.name})

    def _on_disconnected(self, reason):
        self._settle(self.outcome, {'ok': False, 'condition': 'disconnected', 'reason': str(reason)})
        self._settle(self.gone, True)


async def story(args):
    for n in range(1, args.logins + 1):
        client = StockClient(f'{args.jid}/stock{n}', args.password, args.ca)
        started = time.monotonic()
        client.connect(address=(args.host, args.port))
        try:
            outcome = await asyncio.wait_for(asyncio.shield(client.outcome), WAIT)
        except asyncio.TimeoutError:
            outcome = {'ok': False, 'condition': 'timeout'}
        emit('login', n=n, seconds=round(time.monotonic() - started, 3), refusals=client.refusals, **outcome)
        client.disconnect()
        await asyncio.wait_for(asyncio.shield(client.gone), WAIT)


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--ca', required=True)
    parser.add_argument('--logins', type=int, default=20)
    parser.add_argument('--debug', action='store_true')
    run_story(story, parser.parse_args(), timeout=100)
