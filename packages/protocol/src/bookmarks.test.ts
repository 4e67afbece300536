import { describe, expect, it } from 'vitest';
import { bookmarksRequest, parseBookmarkItem, publishBookmark, retractBookmark } from './bookmarks.ts';
import { formValue, parseDataForm } from './dataforms.ts';
import { NS } from './namespaces.ts';
import { parseXml } from './xml.ts';

describe('XEP-0402 bookmarks', () => {
  it('publishes a bookmark that reads back the same, privately (§3.3 publish options)', () => {
    const bookmark = { room: 'theplay@conference.shakespeare.lit', name: 'The Play’s the Thing', nick: 'JC', password: 'hamlet', autojoin: true };
    const pubsub = publishBookmark(bookmark);
    const publish = pubsub.getChild('publish')!;
    expect(publish.attrs.node).toBe(NS.BOOKMARKS);
    expect(parseBookmarkItem(publish.getChild('item')!)).toEqual(bookmark);
    const options = parseDataForm(pubsub.getChild('publish-options')!.getChild('x', NS.DATA_FORMS)!);
    expect(formValue(options, 'pubsub#access_model')).toBe('whitelist');
    expect(formValue(options, 'FORM_TYPE')).toBe(NS.PUBSUB_PUBLISH_OPTIONS);
  });

  it('reads an item from another client (§3.2 Example, autojoin given as "1") and skips what names no room', () => {
    const item = parseXml(`<item id="orchard@chat.shakespeare.lit"><conference xmlns="urn:xmpp:bookmarks:1" name="The Orchard" autojoin="1"><nick>Romeo</nick></conference></item>`);
    expect(parseBookmarkItem(item)).toEqual({ room: 'orchard@chat.shakespeare.lit', name: 'The Orchard', nick: 'Romeo', autojoin: true });
    expect(parseBookmarkItem(parseXml(`<item id="chat.shakespeare.lit"><conference xmlns="urn:xmpp:bookmarks:1"/></item>`))).toBeNull();
    expect(parseBookmarkItem(parseXml(`<item id="a@b/c"><conference xmlns="urn:xmpp:bookmarks:1"/></item>`))).toBeNull();
    expect(parseBookmarkItem(parseXml(`<item id="a@b"><storage xmlns="storage:bookmarks"/></item>`))).toBeNull();
  });

  it('asks for all bookmarks and retracts one with a notification to the other devices', () => {
    expect(bookmarksRequest().getChild('items')?.attrs.node).toBe(NS.BOOKMARKS);
    const retract = retractBookmark('orchard@chat.shakespeare.lit').getChild('retract')!;
    expect([retract.attrs.node, retract.attrs.notify, retract.getChild('item')?.attrs.id]).toEqual([NS.BOOKMARKS, 'true', 'orchard@chat.shakespeare.lit']);
  });
});
