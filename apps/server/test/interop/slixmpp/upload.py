#!/usr/bin/python3
"""
XEP-0363 HTTP File Upload told by slixmpp's own upload code: xep_0363's
upload_file finds the service by service discovery, reads max-file-size,
asks for a slot and PUTs the file with aiohttp. Then alice sends the URL to
a contact (with XEP-0066 out-of-band data, as clients do), and asks for two
slots the server must refuse: one over the size limit, one over her quota.

    /usr/bin/python3 upload.py --port 5222 --user alice --password PW --file F --to bob@localhost \
        --too-large N --over-quota M

One JSON object per line on stdout, like scenario.py (whose Client it uses).
"""
import argparse
import asyncio

import aiohttp
import slixmpp.plugins.xep_0363.http_upload as http_upload
from slixmpp.plugins.xep_0030 import XEP_0030
from slixmpp.exceptions import IqError, IqTimeout

from scenario import Client, emit, run_story, WAIT

# The test server's certificate is self-signed: slixmpp's upload session must
# accept it as the XMPP stream does (Client turns verification off there too).
_ClientSession = http_upload.ClientSession
http_upload.ClientSession = lambda **kwargs: _ClientSession(connector=aiohttp.TCPConnector(ssl=False), **kwargs)

# slixmpp 1.8.3 on Python 3.11: XEP_0030.get_info_from_domain hands bare
# coroutines to asyncio.wait, which 3.11 refuses. Same lookup, as tasks
# (later slixmpp releases do this themselves).
async def _get_info_from_domain(self, domain=None, timeout=None, cached=True, callback=None):
    domain = domain or self.xmpp.boundjid.domain
    if not cached or domain not in self.domain_infos:
        items = (await self.get_items(domain, timeout=timeout))['disco_items']['items']
        tasks = [asyncio.ensure_future(self.get_info(jid, timeout=timeout)) for jid in [domain, *(item[0] for item in items)]]
        done, _ = await asyncio.wait(tasks, timeout=timeout)
        self.domain_infos[domain] = [task.result() for task in tasks if task in done and not task.exception()]
    return self.domain_infos[domain]


XEP_0030.get_info_from_domain = _get_info_from_domain

UPLOAD_NS = '{urn:xmpp:http:upload:0}'


async def run(args):
    client = Client('alice', f'{args.user}@{args.domain}/slix', args.password)
    client.register_plugin('xep_0363')
    client.register_plugin('xep_0066')
    client.connect(address=(args.host, args.port), force_starttls=True, disable_starttls=False)
    session = await asyncio.wait_for(asyncio.shield(client.session), WAIT)
    emit('login', **session)
    if not session['ok']:
        raise RuntimeError('login failed')
    try:
        upload = client['xep_0363']
        url = await upload.upload_file(args.file, timeout=WAIT)
        emit('upload', ok=True, url=url, service=str(upload.upload_service), max_file_size=upload.max_file_size)
        message = client.make_message(mto=args.to, mbody=url, mtype='chat')
        message['oob']['url'] = url
        message.send()

        # Past slixmpp's own max-file-size check: what does the server answer?
        for label, size in (('too-large', args.too_large), ('over-quota', args.over_quota)):
            try:
                await upload.request_slot(upload.upload_service, 'more.bin', size, 'application/octet-stream', timeout=WAIT)
                emit('slot', label=label, ok=True)
            except IqError as error:
                limit = error.iq.xml.find(f'.//{UPLOAD_NS}file-too-large/{UPLOAD_NS}max-file-size')
                emit('slot', label=label, ok=False, condition=error.iq['error']['condition'], type=error.iq['error']['type'],
                     max_file_size=limit.text if limit is not None else None)
            except IqTimeout:
                emit('slot', label=label, ok=False, condition='timeout')
    finally:
        await client.leave()


def arguments():
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--domain', default='localhost')
    parser.add_argument('--user', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--file', required=True)
    parser.add_argument('--to', required=True)
    parser.add_argument('--too-large', type=int, required=True)
    parser.add_argument('--over-quota', type=int, required=True)
    parser.add_argument('--debug', action='store_true')
    return parser.parse_args()


if __name__ == '__main__':
    run_story(run, arguments())
