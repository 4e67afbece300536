#!/usr/bin/python3
"""
An OMEMO peer nobody here wrote: python-omemo 1.0's SessionManager with the
oldmemo backend (eu.siacs.conversations.axolotl, XEP-0384 v0.3) and, with
--omemo2, the twomemo backend too (urn:xmpp:omemo:2, preferred when a device
speaks both), with their ElementTree serialisation, carried by slixmpp. We
only provide the XMPP glue python-omemo asks for (PEP publish/fetch with
access_model=open, and sending its messages) and, for OMEMO 2, the XEP-0420
envelope around the text; all OMEMO decisions are python-omemo's.

    /usr/bin/python3 omemo_peer.py --port 5222 --user alice --password PW --state FILE [--omemo2] [--only-omemo2]

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
import twomemo
import twomemo.etree
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
NS2 = twomemo.twomemo.NAMESPACE
SCE = 'urn:xmpp:sce:1'
DEVICE_LIST_NODE = f'{NS}.devicelist'
DEVICE_LIST_NODE_2 = f'{NS2}:devices'
BUNDLES_NODE_2 = f'{NS2}:bundles'
PLAIN_BODY = 'I sent you an OMEMO encrypted message but your client does not seem to support that.'


def bundle_node(device_id):
    return f'{NS}.bundles:{device_id}'


def envelope(text, sender, recipient):
    """An XEP-0420 envelope around a body, with the affixes OMEMO 2 asks for."""
    env = ET.Element(f'{{{SCE}}}envelope')
    content = ET.SubElement(env, f'{{{SCE}}}content')
    ET.SubElement(content, '{jabber:client}body').text = text
    ET.SubElement(env, f'{{{SCE}}}rpad').text = base64.b64encode(secrets.token_bytes(secrets.randbelow(40))).decode()
    ET.SubElement(env, f'{{{SCE}}}to', jid=recipient)
    ET.SubElement(env, f'{{{SCE}}}from', jid=sender)
    return ET.tostring(env)


def envelope_body(data, sender):
    """The body of a decrypted envelope, after checking its <from> affix."""
    env = ET.fromstring(data)
    if env.tag != f'{{{SCE}}}envelope':
        raise ValueError('not an SCE envelope')
    affix = env.find(f'{{{SCE}}}from')
    if affix is not None and affix.get('jid', '').split('/')[0] != sender:
        raise ValueError('the envelope names another sender')
    body = env.find(f'{{{SCE}}}content/{{jabber:client}}body')
    return body.text if body is not None else None


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
        self.last_sent = None
        self.seen = set()

    async def publish(self, node, payload, item_id='current', max_items=None):
        xep = self.client['xep_0060']
        form = self.client['xep_0004'].make_form(ftype='submit')
        form.add_field(var='FORM_TYPE', ftype='hidden', value='http://jabber.org/protocol/pubsub#publish-options')
        form.add_field(var='pubsub#access_model', value='open')
        if max_items:
            form.add_field(var='pubsub#max_items', value=max_items)
        await xep.publish(JID(self.own), node, id=item_id, payload=payload, options=form, timeout=WAIT)

    async def fetch(self, jid, node, item_id=None):
        if item_id is not None:
            iq = await self.client['xep_0060'].get_item(JID(jid), node, item_id, timeout=WAIT)
        else:
            iq = await self.client['xep_0060'].get_items(JID(jid), node, timeout=WAIT)
        return [item.xml[0] for item in iq['pubsub']['items'] if len(item.xml)]

    def send_encrypted(self, element, to, body=PLAIN_BODY):
        msg = self.client.make_message(mto=to, mtype='chat', mbody=body)
        for el in (element if isinstance(element, list) else [element]):
            msg.xml.append(el)
        ET.SubElement(msg.xml, '{urn:xmpp:hints}store')
        self.last_sent = str(msg)
        msg.send()

    def serialize(self, message):
        return (twomemo.etree if message.namespace == NS2 else oldmemo.etree).serialize_message(message)

    def make_manager_class(self):
        peer = self

        class Manager(omemo.SessionManager):
            @staticmethod
            async def _upload_bundle(bundle):
                try:
                    if bundle.namespace == NS2:
                        await peer.publish(BUNDLES_NODE_2, twomemo.etree.serialize_bundle(bundle), item_id=str(bundle.device_id), max_items='max')
                    else:
                        await peer.publish(bundle_node(bundle.device_id), oldmemo.etree.serialize_bundle(bundle))
                except IqError as e:
                    raise omemo.BundleUploadFailed(str(e)) from e

            @staticmethod
            async def _download_bundle(namespace, bare_jid, device_id):
                try:
                    if namespace == NS2:
                        items = await peer.fetch(bare_jid, BUNDLES_NODE_2, item_id=str(device_id))
                    else:
                        items = await peer.fetch(bare_jid, bundle_node(device_id))
                except IqError as e:
                    if e.iq['error']['condition'] == 'item-not-found':
                        raise omemo.BundleNotFound(f'no bundle for {device_id}') from e
                    raise omemo.BundleDownloadFailed(str(e)) from e
                if not items:
                    raise omemo.BundleNotFound(f'no bundle for {device_id}')
                etree = twomemo.etree if namespace == NS2 else oldmemo.etree
                return etree.parse_bundle(items[0], bare_jid, device_id)

            @staticmethod
            async def _delete_bundle(namespace, device_id):
                try:
                    if namespace == NS2:
                        await peer.client['xep_0060'].retract(JID(peer.own), BUNDLES_NODE_2, str(device_id), timeout=WAIT)
                    else:
                        await peer.client['xep_0060'].delete_node(JID(peer.own), bundle_node(device_id), timeout=WAIT)
                except IqError:
                    pass

            @staticmethod
            async def _upload_device_list(namespace, device_list):
                try:
                    if namespace == NS2:
                        await peer.publish(DEVICE_LIST_NODE_2, twomemo.etree.serialize_device_list(device_list))
                    else:
                        await peer.publish(DEVICE_LIST_NODE, oldmemo.etree.serialize_device_list(device_list))
                except IqError as e:
                    raise omemo.DeviceListUploadFailed(str(e)) from e

            @staticmethod
            async def _download_device_list(namespace, bare_jid):
                try:
                    items = await peer.fetch(bare_jid, DEVICE_LIST_NODE_2 if namespace == NS2 else DEVICE_LIST_NODE)
                except IqError as e:
                    if e.iq['error']['condition'] == 'item-not-found':
                        return {}
                    raise omemo.DeviceListDownloadFailed(str(e)) from e
                etree = twomemo.etree if namespace == NS2 else oldmemo.etree
                return etree.parse_device_list(items[0]) if items else {}

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
                peer.send_encrypted(peer.serialize(message), bare_jid, body=None)
                emit('heartbeat_sent', to=bare_jid, namespace=message.namespace)

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
        self.client.register_handler(Callback('OMEMO 2', MatchXPath(f'{{jabber:client}}message/{{{NS2}}}encrypted'),
                                              lambda msg: asyncio.ensure_future(self.on_message(msg))))
        self.client.add_event_handler('pubsub_publish', lambda msg: asyncio.ensure_future(self.on_pubsub(msg)))
        self.client.connect(address=(a.host, a.port), force_starttls=True, disable_starttls=False)
        session = await asyncio.wait_for(asyncio.shield(self.client.session), WAIT)
        if not session['ok']:
            raise RuntimeError(f'login failed: {session}')
        storage = JsonFileStorage(self.args.state)
        backends = [] if self.args.only_omemo2 else [oldmemo.Oldmemo(storage)]
        if self.args.omemo2 or self.args.only_omemo2:
            backends.insert(0, twomemo.Twomemo(storage))
        self.manager = await self.make_manager_class().create(backends, storage, self.own, None, 'blind')
        # Out of history-sync mode: pre-keys are deleted and heartbeats sent right away.
        await self.manager.after_history_sync()
        own_device, _ = await self.manager.get_own_device_information()
        emit('ready', device_id=own_device.device_id, fingerprint=' '.join(self.manager.format_identity_key(own_device.identity_key)))

    async def on_pubsub(self, msg):
        items = msg.xml.find('{http://jabber.org/protocol/pubsub#event}event/{http://jabber.org/protocol/pubsub#event}items')
        if items is None or self.manager is None or items.get('node') not in (DEVICE_LIST_NODE, DEVICE_LIST_NODE_2):
            return
        namespace = NS2 if items.get('node') == DEVICE_LIST_NODE_2 else NS
        if namespace not in self.namespaces():
            return
        etree = twomemo.etree if namespace == NS2 else oldmemo.etree
        for item in items:
            if len(item):
                try:
                    await self.manager.update_device_list(namespace, msg['from'].bare, etree.parse_device_list(item[0]))
                    emit('device_list_update', jid=msg['from'].bare, namespace=namespace)
                except Exception as e:  # noqa: BLE001
                    emit('device_list_refused', jid=msg['from'].bare, error=f'{type(e).__name__}: {e}')

    def namespaces(self):
        return ([] if self.args.only_omemo2 else [NS]) + ([NS2] if self.args.omemo2 or self.args.only_omemo2 else [])

    async def on_message(self, msg):
        # Both handlers see a stanza that carries both versions: handle it once.
        seen = (msg['from'].full, msg['id'], hashlib.sha256(str(msg).encode()).hexdigest())
        if seen in self.seen:
            return
        self.seen.add(seen)
        # Both versions in one stanza: the OMEMO 2 element when this peer speaks it.
        element2 = msg.xml.find(f'{{{NS2}}}encrypted') if NS2 in self.namespaces() else None
        element = element2 if element2 is not None else msg.xml.find(f'{{{NS}}}encrypted')
        if element is None or (element is not element2 and NS not in self.namespaces()):
            return
        sender = msg['from'].bare
        try:
            if element is element2:
                message = twomemo.etree.parse_message(element, sender)
            else:
                message = await oldmemo.etree.parse_message(element, sender, self.own, self.manager)
            plaintext, device, key_material = await self.manager.decrypt(message)
            if plaintext is not None and element is element2:
                text = envelope_body(plaintext, sender)
            else:
                text = plaintext.decode('utf8') if plaintext is not None else None
            emit('received', **{'from': sender, 'device': device.device_id, 'namespace': message.namespace,
                                'text': text,
                                # what an empty message (key transport) carried
                                'key': key_material.key.hex() if plaintext is None else None,
                                'fingerprint': ' '.join(self.manager.format_identity_key(device.identity_key))})
        except Exception as e:  # noqa: BLE001 - reported to the test as what a user would see
            emit('decrypt_failed', **{'from': sender, 'error': type(e).__name__, 'text': str(e)})

    async def encrypt_and_send(self, to, text):
        # Like a client opening a chat: learn the contact's devices if none are known yet
        # (later changes arrive as PEP notifications, or with the "refresh" command).
        if not await self.manager.get_device_information(to):
            for namespace in self.namespaces():
                await self.manager.refresh_device_list(namespace, to)
        plaintexts = {NS: text.encode('utf8'), NS2: envelope(text, self.own, to)}
        messages, errors = await self.manager.encrypt(frozenset([to]), {ns: plaintexts[ns] for ns in self.namespaces()})
        if not messages:
            return [], [type(e).__name__ for e in errors], []
        self.send_encrypted([self.serialize(message) for message in messages], to)
        devices = sorted(key.device_id for message in messages for (key, _) in message.keys)
        return devices, [type(e).__name__ for e in errors], sorted(message.namespace for message in messages)

    async def command(self, cmd):
        kind = cmd['cmd']
        if kind == 'send':
            devices, errors, namespaces = await self.encrypt_and_send(cmd['to'], cmd['text'])
            emit('sent', to=cmd['to'], devices=devices, errors=errors, namespaces=namespaces)
        elif kind == 'resend_last':
            # What an attacker on the path does: the same stanza again.
            self.client.send_raw(self.last_sent)
            emit('resent')
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
            devices, errors, _ = await self.encrypt_and_send(cmd['to'], aesgcm)
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
            for namespace in self.namespaces():
                await self.manager.refresh_device_list(namespace, cmd['jid'])
            devices = await self.manager.get_device_information(cmd['jid'])
            emit('refreshed', jid=cmd['jid'], devices=sorted(d.device_id for d in devices if any(dict(d.active).values())),
                 inactive=sorted(d.device_id for d in devices if not any(dict(d.active).values())),
                 omemo2=sorted(d.device_id for d in devices if dict(d.active).get(NS2)))
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
    parser.add_argument('--omemo2', action='store_true', help='speak OMEMO 2 (twomemo) beside 0.3, preferring it')
    parser.add_argument('--only-omemo2', action='store_true', help='speak OMEMO 2 only')
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
