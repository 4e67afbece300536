import { NS, xml, type Element } from '@conexizan/protocol';
import { describe, expect, it } from 'vitest';
import { OmemoPep } from './pep.ts';
import { DEVICE_LIST_NODE, buildDeviceList } from './xml.ts';

/** What a server answers, as a script: each call gets the next answer (an Element, or an error to throw). */
function scriptedServer(answers: (Element | { condition: string; application?: { name: string } })[]) {
  const sent: Element[] = [];
  const sendIq = async (iq: Element) => {
    sent.push(iq);
    const answer = answers.shift();
    if (!answer) throw new Error('unexpected IQ');
    if ('condition' in answer) throw Object.assign(new Error(answer.condition), answer);
    return answer;
  };
  return { sent, pep: new OmemoPep(sendIq) };
}

const result = () => xml('iq', { type: 'result' });
const accessModels = (iq: Element) =>
  iq
    .getChild('pubsub')!
    .getChildElements()
    .flatMap((child) => child.getChild('x', NS.DATA_FORMS)?.getChildren('field') ?? [])
    .filter((field) => field.attrs.var === 'pubsub#access_model')
    .map((field) => field.getChildText('value'));

describe('OmemoPep publishing', () => {
  it('publishes with publish-options access_model=open', async () => {
    const { sent, pep } = scriptedServer([result()]);
    expect(await pep.publishOpen(DEVICE_LIST_NODE, buildDeviceList([1]))).toBe('published');
    expect(accessModels(sent[0]!)).toEqual(['open']);
    expect(sent[0]!.getChild('pubsub')!.getChild('publish')!.getChild('item')!.attrs.id).toBe('current');
  });

  it('on precondition-not-met reconfigures the node to open and publishes again', async () => {
    const { sent, pep } = scriptedServer([{ condition: 'conflict', application: { name: 'precondition-not-met' } }, result(), result()]);
    expect(await pep.publishOpen(DEVICE_LIST_NODE, buildDeviceList([1]))).toBe('reconfigured');
    expect(sent[1]!.getChild('pubsub', NS.PUBSUB_OWNER)!.getChild('configure')!.attrs.node).toBe(DEVICE_LIST_NODE);
    expect(accessModels(sent[1]!)).toEqual(['open']);
    expect(sent[2]!.getChild('pubsub')!.getChild('publish')).toBeDefined();
  });

  it('without publish-options on the server, publishes plainly and then configures the node', async () => {
    const { sent, pep } = scriptedServer([{ condition: 'feature-not-implemented' }, result(), result()]);
    expect(await pep.publishOpen(DEVICE_LIST_NODE, buildDeviceList([1]))).toBe('without-publish-options');
    expect(sent[1]!.getChild('pubsub')!.getChild('publish-options')).toBeUndefined();
    expect(accessModels(sent[2]!)).toEqual(['open']);
  });

  it('passes on any other error, and reads a missing node as null', async () => {
    const { pep } = scriptedServer([{ condition: 'forbidden' }, { condition: 'item-not-found' }]);
    await expect(pep.publishOpen(DEVICE_LIST_NODE, buildDeviceList([1]))).rejects.toMatchObject({ condition: 'forbidden' });
    expect(await pep.fetchDeviceList('bob@example.org')).toBeNull();
  });
});
