#!/usr/bin/python3
"""
What the server acknowledged, as slixmpp's XEP-0198 plugin (Debian's
python3-slixmpp, xep_0198) counts it, for the kill -9 durability test:

    /usr/bin/python3 durability.py --port 5222 --prefix d1 --password PW \
        --senders 3 --recipients 4 --online 2 --messages 400

Each sender writes chat messages (ids "<sender>-<n>") to the recipients in
turn, paced a little so that many are in flight when the test kills the
server. Recipients 0..online-1 are logged in, the others offline. One JSON
object per line on stdout: {"step": "acked", "id", "to"} for every message
whose <a h/> came back (slixmpp raises stanza_acked per stanza), "ready"
once everybody is online and "sent" when a sender is through. The test
kills this script; every wait here is bounded anyway.
"""
import argparse
import asyncio

from scenario import Client, emit

WAIT = 20.0


class Sender(Client):
    """scenario.py's client with stream management: slixmpp raises stanza_acked for each stanza an <a h/> covers."""

    def __init__(self, name, jid, password):
        super().__init__(name, jid, password)
        self.register_plugin('xep_0198')
        # An ack request with every few stanzas, as clients on mobile networks do.
        self['xep_0198'].window = 5
        self.ready = asyncio.get_event_loop().create_future()
        self.add_event_handler('sm_enabled', lambda _: self.ready.done() or self.ready.set_result(True))
        self.add_event_handler('stanza_acked', self.acked)

    def acked(self, stanza):
        if stanza.name == 'message' and stanza['id']:
            emit('acked', id=stanza['id'], to=stanza['to'].bare)


async def main(args):
    def connect(name):
        client = Sender(name, f'{args.prefix}-{name}@localhost/durability', args.password)
        client.connect(address=('127.0.0.1', args.port), force_starttls=True, disable_starttls=False)
        return client

    online = [connect(f'r{i}') for i in range(args.online)]
    senders = [connect(f's{i}') for i in range(args.senders)]
    await asyncio.wait_for(asyncio.gather(*(c.ready for c in online + senders)), WAIT)
    emit('ready')

    async def write(index, sender):
        for n in range(args.messages):
            to = f'{args.prefix}-r{n % args.recipients}@localhost'
            message = sender.make_message(mto=to, mbody=f'durable {index}-{n}', mtype='chat')
            message['id'] = f's{index}-{n}'
            message.send()
            await asyncio.sleep(0.004)
        emit('sent', sender=index)

    await asyncio.gather(*(write(i, s) for i, s in enumerate(senders)))
    await asyncio.sleep(WAIT)


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    for name in ('--port', '--senders', '--recipients', '--online', '--messages'):
        parser.add_argument(name, type=int, required=True)
    parser.add_argument('--prefix', required=True)
    parser.add_argument('--password', required=True)
    asyncio.run(main(parser.parse_args()))
