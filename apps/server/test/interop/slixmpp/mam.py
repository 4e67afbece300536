#!/usr/bin/python3
"""
The message archive (XEP-0313) and archiving preferences (XEP-0441) as a
slixmpp user meets them, with slixmpp's own xep_0313, xep_0441 and xep_0359
plugins, against a running Conexizan server:

    /usr/bin/python3 mam.py --host 127.0.0.1 --port 5222 --domain localhost --prefix t1

bob reads one message, goes away, and after reconnecting asks the archive for
what came after it; carol chose 'never' and finds nothing in hers. One JSON
object per line on stdout (see scenario.py, whose client this reuses); the
TypeScript test (../mam.test.ts) decides what is right.
"""
import asyncio

from slixmpp import JID
from slixmpp.exceptions import IqError

from scenario import WAIT, Scenario, emit, run_main

MAM_PLUGINS = ('xep_0059', 'xep_0297', 'xep_0313', 'xep_0359', 'xep_0441')


def archived(iq):
    """What each result of a MAM query holds, in the order received."""
    out = []
    for msg in iq['mam']['results']:
        result = msg['mam_result']
        original = result['forwarded']['stanza']
        out.append({
            'id': result['id'],
            'from': str(original['from']),
            'to': str(original['to']),
            'body': original['body'],
            'stamp': result['forwarded']['delay']['stamp'].isoformat() if result['forwarded']['delay']['stamp'] else None,
        })
    return out


def fin(iq):
    fin_el = iq.xml.find('{urn:xmpp:mam:2}fin')
    rsm = fin_el.find('{http://jabber.org/protocol/rsm}set') if fin_el is not None else None
    text = lambda name: (rsm.findtext('{http://jabber.org/protocol/rsm}' + name) if rsm is not None else None)
    return {'complete': fin_el.get('complete') if fin_el is not None else None, 'first': text('first'), 'last': text('last'), 'count': text('count')}


class MamScenario(Scenario):
    async def login_with_mam(self, name, user, password, label, register=False):
        client, session = await self.connect(name, user, password, register=register)
        emit('login', user=name, label=label, **session)
        if not session['ok']:
            raise RuntimeError(f'{name} could not log in ({label})')
        for plugin in MAM_PLUGINS:
            client.register_plugin(plugin)
        return client

    async def query(self, client, name, label, **kwargs):
        try:
            iq = await client['xep_0313'].retrieve(jid=JID(client.boundjid.bare), timeout=WAIT, **kwargs)
            emit('mam', user=name, label=label, ok=True, results=archived(iq), fin=fin(iq))
        except IqError as e:
            emit('mam', user=name, label=label, ok=False, condition=e.iq['error']['condition'])

    async def run(self):
        a = self.args
        users = {name: f'{a.prefix}-{name}' for name in ('alice', 'bob', 'carol')}
        password = 'correct horse 1'
        bob_jid, carol_jid = self.jid(users['bob']), self.jid(users['carol'])

        alice = await self.login_with_mam('alice', users['alice'], password, 'after-register', register=True)
        bob = await self.login_with_mam('bob', users['bob'], password, 'after-register', register=True)
        carol = await self.login_with_mam('carol', users['carol'], password, 'after-register', register=True)

        # What the account announces (XEP-0030 on the bare JID).
        info = await bob['xep_0030'].get_info(jid=bob_jid, timeout=WAIT)
        emit('disco', user='bob', features=sorted(info['disco_info']['features']))

        # carol wants no archive (XEP-0441), then goes away.
        default, always, never = await carol['xep_0441'].get_preferences(timeout=WAIT)
        emit('prefs', user='carol', label='before', default=default, always=sorted(map(str, always)), never=sorted(map(str, never)))
        await carol['xep_0441'].set_preferences(default='never', always=[], never=[], timeout=WAIT)
        default, always, never = await carol['xep_0441'].get_preferences(timeout=WAIT)
        emit('prefs', user='carol', label='after', default=default, always=sorted(map(str, always)), never=sorted(map(str, never)))
        await carol.leave()

        # bob reads one message online; it carries the archive's stanza-id (XEP-0359).
        alice.send_message(mto=bob_jid, mbody='read online', mtype='chat')
        msg = await bob.next_message(lambda m: m['body'] == 'read online', 'message from alice')
        stanza_id = msg.xml.find('{urn:xmpp:sid:0}stanza-id')
        seen_id = stanza_id.get('id') if stanza_id is not None else None
        emit('stanza_id', user='bob', by=stanza_id.get('by') if stanza_id is not None else None, id=seen_id)

        # bob goes away; alice writes to bob and to carol meanwhile.
        await bob.leave()
        await asyncio.sleep(0.2)
        for body in ('meanwhile one', 'meanwhile two'):
            alice.send_message(mto=bob_jid, mbody=body, mtype='chat')
        alice.send_message(mto=carol_jid, mbody='for carol', mtype='chat')
        await asyncio.sleep(0.5)

        # After reconnecting, bob asks for everything after the last message he saw (RSM <after/>).
        bob = await self.login_with_mam('bob', users['bob'], password, 'reconnect')
        if seen_id:
            await self.query(bob, 'bob', 'after-last-seen', rsm={'after': seen_id, 'max': 50})
        await self.query(bob, 'bob', 'all')
        # An id bob never had (from another archive or made up) is an error, not an empty page.
        await self.query(bob, 'bob', 'unknown-after', rsm={'after': 'no-such-id'})
        await bob.leave()

        # carol is back: her messages still arrive, but her archive is empty.
        carol = await self.login_with_mam('carol', users['carol'], password, 'reconnect')
        msg = await carol.next_message(lambda m: m['body'] == 'for carol', 'offline message')
        emit('message', user='carol', body=msg['body'], stanza_id=msg.xml.find('{urn:xmpp:sid:0}stanza-id') is not None)
        await self.query(carol, 'carol', 'all')
        await carol.leave()

        # alice's side of the conversation with carol is alice's to keep.
        await self.query(alice, 'alice', 'with-carol', with_jid=JID(carol_jid))
        await alice.leave()


if __name__ == '__main__':
    run_main(MamScenario)
