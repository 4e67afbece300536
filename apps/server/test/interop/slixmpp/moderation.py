#!/usr/bin/python3
"""
Keeping the service clean, as slixmpp users and an slixmpp admin meet it,
against a running Conexizan server whose `admins` lists PREFIX-admin:

    /usr/bin/python3 moderation.py --host 127.0.0.1 --port 5222 --domain localhost --prefix t1

- A spammer writes to two users. One reports him with slixmpp's own
  xep_0377 plugin (urn:xmpp:reporting:0, inside a XEP-0191 block); the
  other sends the current form (urn:xmpp:reporting:1) built as raw XML,
  naming the spam's stanza id. The admin gets a notice for each.
- The admin reviews the reports and suspends the spammer (XEP-0133
  disable-user, slixmpp's xep_0050/xep_0004): the spammer's session ends,
  the next login is refused with the reason, a message to him bounces;
  reenable-user lets him back with his vCard intact.
- The admin's announcement reaches everyone online; the message of the
  day reaches a user at the next login.
- An ordinary user sees no admin command and is refused each.
One JSON object per line on stdout (scenario.py); ../moderation.test.ts decides.
"""
import asyncio

from slixmpp.exceptions import IqError
from slixmpp.xmlstream import ET

from scenario import WAIT, Scenario, emit, run_main

ADMIN = 'http://jabber.org/protocol/admin'
REPORTS = 'https://conexizan.org/commands#reports-list'
PASSWORD = 'correct horse 1'


class ModerationScenario(Scenario):
    async def user(self, name, label='start', plugins=()):
        client = await self.login(name, f'{self.args.prefix}-{name}', PASSWORD, label)
        if client is None:
            raise RuntimeError(f'{name} could not log in ({label})')
        for plugin in ('xep_0004', 'xep_0050', *plugins):
            client.register_plugin(plugin)
        return client

    async def command(self, client, node, fields=None):
        """execute, then complete with `fields` (plus the form's FORM_TYPE): the last <command/>."""
        first = await client['xep_0050'].send_command(self.domain, node, action='execute', timeout=WAIT)
        command = first['command']
        if command['status'] != 'executing':
            return command
        form = client['xep_0004'].make_form(ftype='submit')
        for field in command['form'].xml.findall('{jabber:x:data}field'):
            if field.get('var') == 'FORM_TYPE':
                form.add_field(var='FORM_TYPE', ftype='hidden', value=field.find('{jabber:x:data}value').text)
        for var, value in (fields or {}).items():
            form.add_field(var=var, value=value)
        done = await client['xep_0050'].send_command(self.domain, node, action='complete', sessionid=command['sessionid'],
                                                     payload=form, timeout=WAIT)
        return done['command']

    async def notice(self, client, subject, what):
        msg = await client.next_message(lambda m: m['subject'] == subject, what)
        return {'from': str(msg['from']), 'body': msg['body']}

    async def run(self):
        a = self.args
        jid = lambda name: self.jid(f'{a.prefix}-{name}')
        admin = await self.user('admin')
        reporter = await self.user('reporter', plugins=('xep_0191', 'xep_0377'))
        witness = await self.user('witness')
        spammer = await self.user('spammer', plugins=('xep_0054',))
        vcard = spammer['xep_0054'].make_vcard()
        vcard['FN'] = 'Totally Legit'
        await spammer['xep_0054'].publish_vcard(vcard, timeout=WAIT)

        # The spam.
        for victim in (reporter, witness):
            spammer.send_message(mto=victim.boundjid.bare, mbody='BUY CHEAP WATCHES', mtype='chat')
        await reporter.next_message(lambda m: m['body'] == 'BUY CHEAP WATCHES', 'the spam')
        spam = await witness.next_message(lambda m: m['body'] == 'BUY CHEAP WATCHES', 'the spam')
        stanza_id = spam.xml.find('{urn:xmpp:sid:0}stanza-id')
        emit('spam', stanza_id=stanza_id.get('id') if stanza_id is not None else None, by=stanza_id.get('by') if stanza_id is not None else None)

        # Report 1: slixmpp's own XEP-0377 plugin.
        iq = reporter.Iq()
        iq['type'] = 'set'
        iq['block']['items'] = {jid('spammer')}
        iq['block']['report']['spam'] = True
        iq['block']['report']['text'] = 'ads all day'
        await iq.send(timeout=WAIT)
        emit('report', user='reporter', ok=True, sent=str(iq))
        emit('notice', n=1, **await self.notice(admin, 'New abuse report', 'the first report notice'))

        # Report 2: the current form, built as raw XML, with the spam's stanza id.
        iq = witness.Iq()
        iq['type'] = 'set'
        block = ET.SubElement(iq.xml, '{urn:xmpp:blocking}block')
        item = ET.SubElement(block, '{urn:xmpp:blocking}item', {'jid': jid('spammer')})
        report = ET.SubElement(item, '{urn:xmpp:reporting:1}report', {'reason': 'urn:xmpp:reporting:spam'})
        ET.SubElement(report, '{urn:xmpp:sid:0}stanza-id', {'by': stanza_id.get('by'), 'id': stanza_id.get('id')})
        ET.SubElement(report, '{urn:xmpp:reporting:1}text').text = 'same here'
        await iq.send(timeout=WAIT)
        emit('report', user='witness', ok=True)
        emit('notice', n=2, **await self.notice(admin, 'New abuse report', 'the second report notice'))

        listed = await self.command(admin, REPORTS, {'status': 'open'})
        rows = [{f.get('var'): f.findtext('{jabber:x:data}value') for f in item.findall('{jabber:x:data}field')}
                for item in listed['form'].xml.findall('{jabber:x:data}item')]
        emit('reports', rows=rows)

        # Suspension (XEP-0133 disable-user).
        done = await self.command(admin, f'{ADMIN}#disable-user', {'accountjids': jid('spammer'), 'reason': 'spam', 'notify': '1'})
        emit('suspend', status=done['status'], notes=[list(note) for note in done['notes']])
        try:
            await asyncio.wait_for(asyncio.shield(spammer.gone), WAIT)
            emit('spammer_session', ended=True, stream_error=spammer.stream_error)
        except asyncio.TimeoutError:
            emit('spammer_session', ended=False)
        await self.login('spammer', f'{a.prefix}-spammer', PASSWORD, 'while-suspended')
        admin.send_message(mto=jid('spammer'), mbody='are you a bot?', mtype='chat')
        bounce = await admin.next_message(lambda m: m['type'] == 'error', 'the bounce')
        emit('bounce', condition=bounce['error']['condition'], type=bounce['error']['type'], text=bounce['error']['text'])

        done = await self.command(admin, f'{ADMIN}#reenable-user', {'accountjids': jid('spammer')})
        emit('unsuspend', status=done['status'], notes=[list(note) for note in done['notes']])
        spammer = await self.user('spammer', label='after-unsuspend', plugins=('xep_0054',))
        card = await spammer['xep_0054'].get_vcard(jid=jid('spammer'), cached=False, local=False, timeout=WAIT)
        emit('vcard', fn=card['vcard_temp']['FN'])

        # An announcement to everyone online; the message of the day at the next login.
        done = await self.command(admin, f'{ADMIN}#announce', {'subject': 'Maintenance', 'announcement': 'Back at 22:00'})
        emit('announce', notes=[list(note) for note in done['notes']])
        for name, client in (('reporter', reporter), ('witness', witness), ('spammer', spammer)):
            emit('announcement', user=name, **await self.notice(client, 'Maintenance', f'the announcement at {name}'))
        await self.command(admin, f'{ADMIN}#set-motd', {'motd': 'Be kind to each other'})
        latecomer = await self.user('latecomer')
        emit('motd', user='latecomer', **await self.notice(latecomer, 'Message of the day', 'the message of the day'))

        # An ordinary user: no admin commands listed, each refused.
        items = await reporter['xep_0050'].get_commands(jid=self.domain, timeout=WAIT)
        emit('commands', user='reporter', nodes=sorted(item[1] for item in items['disco_items']['items']))
        refusals = {}
        for node in (f'{ADMIN}#disable-user', f'{ADMIN}#announce', REPORTS, 'https://conexizan.org/commands#audit-log'):
            try:
                await reporter['xep_0050'].send_command(self.domain, node, action='execute', timeout=WAIT)
                refusals[node] = 'allowed'
            except IqError as e:
                refusals[node] = e.iq['error']['condition']
        emit('refusals', user='reporter', **refusals)

        for client in (latecomer, spammer, witness, reporter, admin):
            await client.leave()


if __name__ == '__main__':
    run_main(ModerationScenario)
