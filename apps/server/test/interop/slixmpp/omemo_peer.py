#!/usr/bin/python3
"""
An OMEMO peer nobody here wrote: python-omemo 1.0's SessionManager with the
oldmemo backend (eu.siacs.conversations.axolotl, XEP-0384 v0.3) and its
ElementTree serialisation, carried by slixmpp. We only provide the XMPP
glue python-omemo asks for (PEP publish/fetch with access_model=open, and
sending its messages); all OMEMO decisions are python-omemo's.

    /usr/bin/python3 omemo_peer.py --port 5222 --user alice --password PW --state FILE

It stays up and takes one JSON command per line on stdin:
    {"cmd": "send", "to": JID, "text": T}
    {"cmd": "send_file", "to": JID, "data": BASE64, "name": N}   (XEP-0454 aesgcm://)
    {"cmd": "fetch_file", "url": AESGCM_URL}
    {"cmd": "refresh", "jid": JID}
    {"cmd": "quit"}
and prints one JSON object per line on stdout ("ready", "received",
"decrypt_failed", "sent", ...). Its keys and sessions live in --state, a
JSON file, so a restart with the same file is the same device.
"""
import argparse
import asyncio
import base64
import hashlib
import io
import json
import os
import secrets
import sys
import traceback
import xml.etree.ElementTree as ET

import aiohttp
import omemo
import oldmemo
import oldmemo.etree
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from omemo.storage import Just, Nothing, Storage
from omemo.types import TrustLevel
from slixmpp import JID
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath
from slixmpp.exceptions import IqError

import upload  # noqa: F401 - its patches: aiohttp without certificate checks, slixmpp 1.8.3 on Python 3.11
from scenario import WAIT, Client, emit

NS = oldmemo.oldmemo.NAMESPACE
DEVICE_LIST_NODE = f'{NS}.devicelist'
PLAIN_BODY = 'I sent you an OMEMO encrypted message but your client does not seem to support that.'


def bundle_node(device_id):
    return f'{NS}.bundles:{device_id}'


class JsonFileStorage(Storage):
    """python-omemo's storage in one JSON file, rewritten on each change."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.data = {}
        if os.path.exists(path):
            with open(path, encoding='utf8') as f:
                self.data = json.load(f)

    async def _load(self, key):
        return Just(self.data[key]) if key in self.data else Nothing()

    async def _store(self, key, value):
        self.data[key] = value
        self._flush()

    async def _delete(self, key):
        self.data.pop(key, None)
        self._flush()

    def _flush(self):
        tmp = f'{self.path}.tmp'
        with open(tmp, 'w', encoding='utf8') as f:
            json.dump(self.data, f)
        os.replace(tmp, self.path)


class Peer:
    def __init__(self, args):
        self.args = args
        self.own = f'{args.user}@{args.domain}'
        self.client = None
        self.manager = None

    async def publish(self, node, payload):
        xep = self.client['xep_0060']
        form = self.client['xep_0004'].make_form(ftype='submit')
        form.add_field(var='FORM_TYPE', ftype='hidden', value='http://jabber.org/protocol/pubsub#publish-options')
        form.add_field(var='pubsub#access_model', value='open')
        await xep.publish(JID(self.own), node, id='current', payload=payload, options=form, timeout=WAIT)

    async def fetch(self, jid, node):
        iq = await self.client['xep_0060'].get_items(JID(jid), node, timeout=WAIT)
        return [item.xml[0] for item in iq['pubsub']['items'] if len(item.xml)]

    def send_encrypted(self, element, to, body=PLAIN_BODY):
        msg = self.client.make_message(mto=to, mtype='chat', mbody=body)
        msg.xml.append(element)
        ET.SubElement(msg.xml, '{urn:xmpp:hints}store')
        msg.send()

    def make_manager_class(self):
        peer = self

        class Manager(omemo.SessionManager):
            @staticmethod
            async def _upload_bundle(bundle):
                try:
                    await peer.publish(bundle_node(bundle.device_id), oldmemo.etree.serialize_bundle(bundle))
                except IqError as e:
                    raise omemo.BundleUploadFailed(str(e)) from e

            @staticmethod
            async def _download_bundle(namespace, bare_jid, device_id):
                try:
                    items = await peer.fetch(bare_jid, bundle_node(device_id))
                except IqError as e:
                    raise omemo.BundleDownloadFailed(str(e)) from e
                if not items:
                    raise omemo.BundleNotFound(f'no bundle for {device_id}')
                return oldmemo.etree.parse_bundle(items[0], bare_jid, device_id)

            @staticmethod
            async def _delete_bundle(namespace, device_id):
                try:
                    await peer.client['xep_0060'].delete_node(JID(peer.own), bundle_node(device_id), timeout=WAIT)
                except IqError:
                    pass

            @staticmethod
            async def _upload_device_list(namespace, device_list):
                try:
                    await peer.publish(DEVICE_LIST_NODE, oldmemo.etree.serialize_device_list(device_list))
                except IqError as e:
                    raise omemo.DeviceListUploadFailed(str(e)) from e

            @staticmethod
            async def _download_device_list(namespace, bare_jid):
                try:
                    items = await peer.fetch(bare_jid, DEVICE_LIST_NODE)
                except IqError as e:
                    if e.iq['error']['condition'] == 'item-not-found':
                        return {}
                    raise omemo.DeviceListDownloadFailed(str(e)) from e
                return oldmemo.etree.parse_device_list(items[0]) if items else {}

            async def _evaluate_custom_trust_level(self, device):
                # Blind trust before verification, as the clients this peer stands for do.
                return {'blind': TrustLevel.TRUSTED, 'verified': TrustLevel.TRUSTED, 'distrusted': TrustLevel.DISTRUSTED}.get(
                    device.trust_level_name, TrustLevel.UNDECIDED)

            async def _make_trust_decision(self, undecided, identifier):
                for device in undecided:
                    await self.set_trust(device.bare_jid, device.identity_key, 'blind')

            @staticmethod
            async def _send_message(message, bare_jid):
                # python-omemo's own empty messages (session completion, staleness).
                peer.send_encrypted(oldmemo.etree.serialize_message(message), bare_jid, body=None)
                emit('heartbeat_sent', to=bare_jid)

        return Manager

    async def start(self):
        a = self.args
        self.client = Client('peer', f'{self.own}/omemo', a.password)
        for plugin in ('xep_0004', 'xep_0060', 'xep_0363'):
            self.client.register_plugin(plugin)
        # slixmpp's 'message' event only covers messages with a <body>; OMEMO's empty
        # messages (heartbeats) have none, so match the <encrypted> element itself.
        self.client.register_handler(Callback('OMEMO', MatchXPath(f'{{jabber:client}}message/{{{NS}}}encrypted'),
                                              lambda msg: asyncio.ensure_future(self.on_message(msg))))
        self.client.add_event_handler('pubsub_publish', lambda msg: asyncio.ensure_future(self.on_pubsub(msg)))
        self.client.connect(address=(a.host, a.port), force_starttls=True, disable_starttls=False)
        session = await asyncio.wait_for(asyncio.shield(self.client.session), WAIT)
        if not session['ok']:
            raise RuntimeError(f'login failed: {session}')
        storage = JsonFileStorage(self.args.state)
        self.manager = await self.make_manager_class().create([oldmemo.Oldmemo(storage)], storage, self.own, None, 'blind')
        # Out of history-sync mode: pre-keys are deleted and heartbeats sent right away.
        await self.manager.after_history_sync()
        own_device, _ = await self.manager.get_own_device_information()
        emit('ready', device_id=own_device.device_id, fingerprint=' '.join(self.manager.format_identity_key(own_device.identity_key)))

    async def on_pubsub(self, msg):
        items = msg.xml.find('{http://jabber.org/protocol/pubsub#event}event/{http://jabber.org/protocol/pubsub#event}items')
        if items is None or items.get('node') != DEVICE_LIST_NODE or self.manager is None:
            return
        for item in items:
            if len(item):
                try:
                    await self.manager.update_device_list(NS, msg['from'].bare, oldmemo.etree.parse_device_list(item[0]))
                    emit('device_list_update', jid=msg['from'].bare)
                except Exception as e:  # noqa: BLE001
                    emit('device_list_refused', jid=msg['from'].bare, error=f'{type(e).__name__}: {e}')

    async def on_message(self, msg):
        element = msg.xml.find(f'{{{NS}}}encrypted')
        if element is None:
            return
        sender = msg['from'].bare
        try:
            message = await oldmemo.etree.parse_message(element, sender, self.own, self.manager)
            plaintext, device, key_material = await self.manager.decrypt(message)
            emit('received', **{'from': sender, 'device': device.device_id,
                                'text': plaintext.decode('utf8') if plaintext is not None else None,
                                # what an empty message (key transport) carried
                                'key': key_material.key.hex() if plaintext is None else None,
                                'fingerprint': ' '.join(self.manager.format_identity_key(device.identity_key))})
        except Exception as e:  # noqa: BLE001 - reported to the test as what a user would see
            emit('decrypt_failed', **{'from': sender, 'error': type(e).__name__, 'text': str(e)})

    async def encrypt_and_send(self, to, text):
        # Like a client opening a chat: learn the contact's devices if none are known yet
        # (later changes arrive as PEP notifications, or with the "refresh" command).
        if not await self.manager.get_device_information(to):
            await self.manager.refresh_device_list(NS, to)
        messages, errors = await self.manager.encrypt(frozenset([to]), {NS: text.encode('utf8')})
        for message in messages:
            self.send_encrypted(oldmemo.etree.serialize_message(message), to)
            return sorted(device_id for (key, _) in message.keys for device_id in [key.device_id]), [type(e).__name__ for e in errors]
        return [], [type(e).__name__ for e in errors]

    async def command(self, cmd):
        kind = cmd['cmd']
        if kind == 'send':
            devices, errors = await self.encrypt_and_send(cmd['to'], cmd['text'])
            emit('sent', to=cmd['to'], devices=devices, errors=errors)
        elif kind == 'send_key_transport':
            # An empty OMEMO message whose key another protocol would use: oldmemo sends one for empty plaintext.
            messages, errors = await self.manager.encrypt(frozenset([cmd['to']]), {NS: b''})
            for message, key_material in messages.items():
                self.send_encrypted(oldmemo.etree.serialize_message(message), cmd['to'], body=None)
                emit('key_transport_sent', to=cmd['to'], key=key_material.key.hex(), errors=[type(e).__name__ for e in errors])
        elif kind == 'send_file':
            # XEP-0454: AES-256-GCM, 12-byte IV, the tag stays on the ciphertext; IV + key in the fragment.
            data = base64.b64decode(cmd['data'])
            key, iv = secrets.token_bytes(32), secrets.token_bytes(12)
            sealed = AESGCM(key).encrypt(iv, data, None)
            url = await self.client['xep_0363'].upload_file(cmd['name'], size=len(sealed), content_type='application/octet-stream',
                                                             input_file=io.BytesIO(sealed), timeout=WAIT)
            aesgcm = 'aesgcm' + url[len('https'):] + '#' + (iv + key).hex()
            devices, errors = await self.encrypt_and_send(cmd['to'], aesgcm)
            emit('file_sent', to=cmd['to'], https=url, sha256=hashlib.sha256(data).hexdigest(), devices=devices, errors=errors)
        elif kind == 'fetch_file':
            url = cmd['url']
            if not url.startswith('aesgcm://') or '#' not in url:
                raise ValueError('not an aesgcm URL')
            location, fragment = url.split('#', 1)
            secret = bytes.fromhex(fragment)
            iv, key = secret[:-32], secret[-32:]
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False)) as http:
                async with http.get('https' + location[len('aesgcm'):]) as response:
                    body = await response.read()
                    status = response.status
            data = AESGCM(key).decrypt(iv, body, None)
            emit('file_fetched', status=status, size=len(data), sha256=hashlib.sha256(data).hexdigest())
        elif kind == 'refresh':
            await self.manager.refresh_device_list(NS, cmd['jid'])
            devices = await self.manager.get_device_information(cmd['jid'])
            emit('refreshed', jid=cmd['jid'], devices=sorted(d.device_id for d in devices if dict(d.active).get(NS)),
                 inactive=sorted(d.device_id for d in devices if not dict(d.active).get(NS)))
        else:
            raise ValueError(f'unknown command {kind}')

    async def run(self):
        await self.start()
        loop = asyncio.get_event_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            cmd = json.loads(line)
            if cmd.get('cmd') == 'quit':
                break
            try:
                await asyncio.wait_for(self.command(cmd), 3 * WAIT)
            except Exception as e:  # noqa: BLE001 - reported, the peer goes on
                emit('command_failed', cmd=cmd.get('cmd'), error=f'{type(e).__name__}: {e}', trace=traceback.format_exc())
        await self.client.leave()
        emit('bye')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--domain', default='localhost')
    parser.add_argument('--user', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--state', required=True)
    args = parser.parse_args()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(Peer(args).run())
    except BaseException as error:  # noqa: BLE001 - the test shows it
        emit('fatal', error=f'{type(error).__name__}: {error}', trace=traceback.format_exc())
        sys.exit(1)


if __name__ == '__main__':
    main()
