#!/usr/bin/python3
"""
The federation border lists changed from an XMPP client: slixmpp's own
xep_0050 and xep_0004 plugins run Conexizan's federation commands against
a server whose `admins` lists PREFIX-admin and whose config blocks spam.test:

    /usr/bin/python3 federation_admin.py --host 127.0.0.1 --port 5222 --domain a.test --prefix t1

The admin shows the lists, blocks evil.test (form, then the filled form),
writes to someone there and gets the error, unblocks spam.test, sets the
allow list to friends.test and shows the lists again; an ordinary user is
refused. One JSON object per line (scenario.py); ../federation-admin.test.ts
decides what is right.
"""
from slixmpp.exceptions import IqError

from scenario import WAIT, Scenario, emit, run_main

NODE = 'https://conexizan.org/commands#federation-'
PASSWORD = 'correct horse 1'


def values(form, var):
    found = form['values'].get(var)
    if found is None:
        return []
    return found if isinstance(found, list) else [line for line in str(found).split('\n') if line]


class FederationAdmin(Scenario):
    async def with_adhoc(self, name, user):
        client = await self.login(name, user, PASSWORD, 'start')
        if client is None:
            raise RuntimeError(f'{name} could not log in')
        client.register_plugin('xep_0004')
        client.register_plugin('xep_0050')
        return client

    async def show_lists(self, admin, label):
        iq = await admin['xep_0050'].send_command(self.domain, NODE + 'lists', action='execute', timeout=WAIT)
        form = iq['command']['form']
        emit('lists', label=label, status=iq['command']['status'], blocked=values(form, 'blocked'),
             allowed=values(form, 'allowed'), source=values(form, 'source'))

    async def submit_domains(self, admin, command, domains):
        first = await admin['xep_0050'].send_command(self.domain, NODE + command, action='execute', timeout=WAIT)
        session = first['command']['sessionid']
        form = admin['xep_0004'].make_form(ftype='submit')
        form.add_field(var='FORM_TYPE', ftype='hidden', value='https://conexizan.org/commands#federation')
        form.add_field(var='domains', ftype='text-multi', value=domains)
        second = await admin['xep_0050'].send_command(self.domain, NODE + command, action='complete', sessionid=session,
                                                      payload=form, timeout=WAIT)
        emit(command, stage_one=first['command']['status'], status=second['command']['status'],
             notes=[list(note) for note in second['command']['notes']])

    async def write_to(self, client, to, label):
        msg = client.make_message(mto=to, mbody='hello', mtype='chat')
        msg['id'] = f'{label}-{self.args.prefix}'
        msg.send()
        answer = await client.next_message(lambda m: m['id'] == msg['id'] and m['type'] == 'error', f'the error for {label}')
        emit('write', label=label, condition=answer['error']['condition'])

    async def run(self):
        a = self.args
        admin = await self.with_adhoc('admin', f'{a.prefix}-admin')
        user = await self.with_adhoc('user', f'{a.prefix}-user')
        commands = await admin['xep_0050'].get_commands(jid=self.domain, timeout=WAIT)
        emit('commands', nodes=sorted(item[1] for item in commands['disco_items']['items'] if item[1].startswith(NODE)))

        await self.show_lists(admin, 'before')
        await self.submit_domains(admin, 'block', ['evil.test'])
        await self.write_to(admin, 'someone@evil.test', 'blocked')
        await self.submit_domains(admin, 'unblock', ['spam.test'])
        await self.submit_domains(admin, 'allow-list', ['friends.test'])
        await self.write_to(admin, 'someone@other.test', 'not-allowed')
        await self.show_lists(admin, 'after')

        try:
            await user['xep_0050'].send_command(self.domain, NODE + 'block', action='execute', timeout=WAIT)
            emit('user-block', ok=True)
        except IqError as e:
            emit('user-block', ok=False, condition=e.iq['error']['condition'])

        await user.leave()
        await admin.leave()


if __name__ == '__main__':
    run_main(FederationAdmin)
