#!/usr/bin/python3
"""
Service administration (XEP-0133) over ad-hoc commands (XEP-0050) as an
operator meets it with slixmpp's own xep_0050 and xep_0004 plugins, against
a running Conexizan server whose `admins` lists PREFIX-admin:

    /usr/bin/python3 adhoc.py --host 127.0.0.1 --port 5222 --domain localhost --prefix t1

The admin lists the commands and adds a user in two stages (form, then the
filled form with the password twice); the new user logs in; an ordinary user
sees no commands and is refused. One JSON object per line on stdout (see
scenario.py, whose client this reuses); ../adhoc.test.ts decides what is right.
"""
from slixmpp.exceptions import IqError

from scenario import WAIT, Scenario, emit, run_main

COMMANDS = 'http://jabber.org/protocol/commands'
ADD_USER = 'http://jabber.org/protocol/admin#add-user'
USERS_NUM = 'http://jabber.org/protocol/admin#get-registered-users-num'
PASSWORD = 'correct horse 1'
NEW_PASSWORD = 'made by the admin 1'


def fields_of(form):
    return [[field.get('var'), field.get('type')] for field in form.xml.findall('{jabber:x:data}field')]


class AdhocScenario(Scenario):
    async def login_with_adhoc(self, name, user, password, label):
        client = await self.login(name, user, password, label)
        if client is None:
            raise RuntimeError(f'{name} could not log in ({label})')
        client.register_plugin('xep_0004')
        client.register_plugin('xep_0050')
        return client

    async def list_commands(self, client, name):
        iq = await client['xep_0050'].get_commands(jid=self.domain, timeout=WAIT)
        emit('commands', user=name, nodes=sorted(item[1] for item in iq['disco_items']['items']))

    async def run(self):
        a = self.args
        admin = await self.login_with_adhoc('admin', f'{a.prefix}-admin', PASSWORD, 'start')
        user = await self.login_with_adhoc('user', f'{a.prefix}-user', PASSWORD, 'start')

        info = await admin['xep_0030'].get_info(jid=self.domain, timeout=WAIT)
        emit('disco', user='admin', features=sorted(info['disco_info']['features']))
        await self.list_commands(admin, 'admin')
        await self.list_commands(user, 'user')

        # Stage one: the form.
        first = await admin['xep_0050'].send_command(self.domain, ADD_USER, action='execute', timeout=WAIT)
        command = first['command']
        emit('add-user', stage='form', status=command['status'], sessionid=command['sessionid'],
             actions=sorted(command['actions']), fields=fields_of(command['form']))

        # Stage two: the filled form, password twice, with the session id.
        form = admin['xep_0004'].make_form(ftype='submit')
        form.add_field(var='FORM_TYPE', ftype='hidden', value='http://jabber.org/protocol/admin')
        form.add_field(var='accountjid', ftype='jid-single', value=self.jid(f'{a.prefix}-newbie'))
        form.add_field(var='password', ftype='text-private', value=NEW_PASSWORD)
        form.add_field(var='password-verify', ftype='text-private', value=NEW_PASSWORD)
        second = await admin['xep_0050'].send_command(self.domain, ADD_USER, action='complete', sessionid=command['sessionid'],
                                                      payload=form, timeout=WAIT)
        emit('add-user', stage='complete', status=second['command']['status'], sessionid=second['command']['sessionid'],
             notes=[list(note) for note in second['command']['notes']])

        # The account exists: its owner logs in with the password the admin chose.
        newbie = await self.login('newbie', f'{a.prefix}-newbie', NEW_PASSWORD, 'made-by-admin')
        if newbie is not None:
            await newbie.leave()

        counted = await admin['xep_0050'].send_command(self.domain, USERS_NUM, action='execute', timeout=WAIT)
        emit('users-num', status=counted['command']['status'], value=counted['command']['form']['values'].get('registeredusersnum'))

        # An ordinary user may not.
        try:
            await user['xep_0050'].send_command(self.domain, ADD_USER, action='execute', timeout=WAIT)
            emit('user-add-user', ok=True)
        except IqError as e:
            emit('user-add-user', ok=False, condition=e.iq['error']['condition'])

        await user.leave()
        await admin.leave()


if __name__ == '__main__':
    run_main(AdhocScenario)
