#!/usr/bin/python3
"""
A room bookmark as a XEP-0402 client stores it (the way Conversations,
Gajim and Dino do), told by slixmpp's own xep_0060 plugin against a
running Conexizan server:

    /usr/bin/python3 bookmarks.py --host 127.0.0.1 --port 5222 --domain localhost --prefix t1

alice (registered here, password 'correct horse 1') publishes the room
seminar@conference.DOMAIN with autojoin and a nick of her own to
urn:xmpp:bookmarks:1 with the publish-options XEP-0402 §3 asks for, then
reads her bookmarks back. One JSON object per line on stdout (see
scenario.py); the TypeScript test (../poezio.test.ts) decides what is right.
"""
from slixmpp import JID
from slixmpp.exceptions import IqError
from slixmpp.xmlstream import ET

from scenario import WAIT, Scenario, run_main, emit

BOOKMARKS = 'urn:xmpp:bookmarks:1'


class BookmarkScenario(Scenario):
    async def run(self):
        user = f'{self.args.prefix}-alice'
        alice = await self.login('alice', user, 'correct horse 1', 'after-register', register=True)
        if alice is None:
            raise RuntimeError('alice could not register and log in')
        for plugin in ('xep_0004', 'xep_0060'):
            alice.register_plugin(plugin)

        form = alice['xep_0004'].make_form(ftype='submit')
        form.add_field(var='FORM_TYPE', ftype='hidden', value='http://jabber.org/protocol/pubsub#publish-options')
        for name, value in (('persist_items', 'true'), ('max_items', 'max'), ('send_last_published_item', 'never'), ('access_model', 'whitelist')):
            form.add_field(var=f'pubsub#{name}', value=value)
        room = f'seminar@conference.{self.domain}'
        conference = ET.fromstring(f"<conference xmlns='{BOOKMARKS}' name='Seminar' autojoin='true'><nick>poe-seminar</nick></conference>")
        try:
            await alice['xep_0060'].publish(JID(self.jid(user)), BOOKMARKS, id=room, payload=conference, options=form, timeout=WAIT)
            emit('publish', user='alice', ok=True, room=room)
        except IqError as e:
            emit('publish', user='alice', ok=False, condition=e.iq['error']['condition'], text=e.iq['error']['text'])
            return

        iq = await alice['xep_0060'].get_items(JID(self.jid(user)), BOOKMARKS, timeout=WAIT)
        emit('bookmarks', user='alice', items=[{'id': item['id'], 'autojoin': item['payload'].get('autojoin')} for item in iq['pubsub']['items']])


if __name__ == '__main__':
    run_main(BookmarkScenario)
