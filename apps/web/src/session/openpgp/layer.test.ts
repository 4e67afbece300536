import { describe, expect, it } from 'vitest';
import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import { MemoryOmemoStore, OmemoPep } from '@conexizan/crypto/omemo';
import { generateOxKey, sealSigncrypt } from '@conexizan/crypto/openpgp';
import { chatMessage, parseMessage } from '../stanzas.ts';
import { FakePep } from '../testing.ts';
import { OmemoLayer } from '../omemo/layer.ts';
import { EncryptionRefusedError } from '../omemo/errors.ts';
import { OPENPGP_FALLBACK_BODY, OpenPgpLayer } from './layer.ts';

/** One browser of an account: its OMEMO layer (which routes OpenPGP chats) and its OpenPGP layer on one store. */
function browser(pep: FakePep, jid: string, store = new MemoryOmemoStore()) {
  const sent: Element[] = [];
  const protections: string[] = [];
  const connection = pep.connection(jid, sent);
  const omemo = new OmemoLayer({ connection, jid, store, preKeyCount: 3, deviceWaitMs: 0, onSent: () => {} });
  const openpgp = new OpenPgpLayer({ jid, store, pep: new OmemoPep((iq) => connection.iq(iq.attrs.type as 'get' | 'set', iq.getChildElements()[0]!, iq.attrs.to)), onSent: (_peer, _id, s) => protections.push(s) });
  omemo.useOpenPgp(openpgp);
  pep.layers.set(jid, [...(pep.layers.get(jid) ?? []), openpgp]);
  return { omemo, openpgp, sent, protections, store };
}

const read = (stanza: Element, self: string) => parseMessage(stanza, { self }).flatMap((e) => (e.kind === 'message' ? [e.message] : []));
const from = (stanza: Element, sender: string) => {
  stanza.attrs.from = `${sender}/web`;
  return stanza;
};

describe('OpenPgpLayer', () => {
  it('a chat set to OpenPGP goes out signed and encrypted; the contact reads it, and so does the sender’s other browser', async () => {
    const pep = new FakePep();
    const ada = browser(pep, 'ada@x');
    const bea = browser(pep, 'bea@x');
    await ada.openpgp.generate();
    await bea.openpgp.generate();
    expect(pep.log).toContain(`publish ada@x urn:xmpp:openpgp:0:public-keys:${ada.openpgp.state.fingerprint}`);
    expect(pep.log).toContain('publish ada@x urn:xmpp:openpgp:0:public-keys');
    await ada.omemo.setMode('bea@x', 'openpgp');

    const out = await ada.omemo.outgoing(chatMessage('bea@x', 'm1', 'the files are in the blue folder'));
    expect(out.toString()).not.toContain('blue folder');
    expect(out.getChildText('body')).toBe(OPENPGP_FALLBACK_BODY);
    expect(out.getChild('openpgp', NS.OPENPGP)).toBeDefined();
    expect(out.getChild('encryption', NS.EME)?.attrs.namespace).toBe(NS.OPENPGP);
    expect(out.getChild('store', NS.HINTS)).toBeDefined();
    expect(ada.protections).toEqual(['encrypted']);

    const [message] = read(await bea.omemo.incoming(from(out, 'ada@x')), 'bea@x');
    expect(message).toMatchObject({ body: 'the files are in the blue folder', security: 'encrypted', method: 'openpgp' });

    // Ada's second browser has the key from the server's backup, and reads the carbon of what she sent.
    const code = await ada.openpgp.backUp();
    expect(ada.openpgp.state.backedUp).toBe(true);
    const phone = browser(pep, 'ada@x');
    expect(await phone.openpgp.serverBackup()).toBe(true);
    await expect(phone.openpgp.restore('AAAA-AAAA-AAAA-AAAA-AAAA-AAAA')).rejects.toMatchObject({ code: 'bad-backup-code' });
    expect(await phone.openpgp.restore(code)).toBe(ada.openpgp.state.fingerprint);
    const carbon = xml('message', { from: 'ada@x/web', to: 'bea@x', type: 'chat', id: 'm1' }, ...out.getChildElements());
    expect(read(await phone.omemo.incoming(carbon), 'ada@x')[0]).toMatchObject({ body: 'the files are in the blue folder', method: 'openpgp' });
  });

  it('a message signed with another key than the sender’s published one says it may be forged; nothing is refused silently', async () => {
    const pep = new FakePep();
    const ada = browser(pep, 'ada@x');
    const bea = browser(pep, 'bea@x');
    await ada.openpgp.generate();
    await bea.openpgp.generate();
    // Mallory made a key with Ada's address, and sends as Ada (as a server that forged the sender could).
    const mallory = await generateOxKey('ada@x');
    const beaKey = pep.nodes.get(`bea@x urn:xmpp:openpgp:0:public-keys:${bea.openpgp.state.fingerprint}`)!.values().next().value!;
    const forged = await sealSigncrypt({
      content: [xml('body', { xmlns: NS.CLIENT }, 'send the money to this account')],
      to: ['bea@x'],
      secretKey: mallory.secretKey,
      encryptionKeys: [Uint8Array.from(Buffer.from(beaKey.getChildText('data')!, 'base64'))],
    });
    const stanza = xml('message', { from: 'ada@x/evil', to: 'bea@x', type: 'chat', id: 'f1' }, forged, xml('body', {}, 'send the money to this account'));
    const [message] = read(await bea.omemo.incoming(stanza), 'bea@x');
    expect(message).toMatchObject({ undecryptable: 'bad-signature', method: 'openpgp' });
    expect(message!.body).not.toContain('money');

    // Without a key of her own, Bea's new browser says so instead of showing the fallback text.
    const fresh = browser(pep, 'bea@x');
    await ada.omemo.setMode('bea@x', 'openpgp');
    const sealed = await ada.omemo.outgoing(chatMessage('bea@x', 'g2', 'hello'));
    expect(read(await fresh.omemo.incoming(from(sealed, 'ada@x')), 'bea@x')[0]).toMatchObject({ undecryptable: 'no-secret-key' });
  });

  it('refuses to send when the contact has no OpenPGP key: nothing leaves in plain text', async () => {
    const pep = new FakePep();
    const ada = browser(pep, 'ada@x');
    await ada.openpgp.generate();
    await ada.omemo.setMode('cyd@x', 'openpgp');
    const refused = await ada.omemo.outgoing(chatMessage('cyd@x', 'n1', 'are you there?')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EncryptionRefusedError);
    expect((refused as EncryptionRefusedError).reason).toMatchObject({ code: 'no-key' });
  });
});
