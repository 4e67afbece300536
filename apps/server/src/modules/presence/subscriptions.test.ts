import { describe, expect, it } from 'vitest';
import * as sub from './subscriptions.ts';

const jid = 'juliet@example.com';
const item = (over: Partial<ReturnType<typeof sub.emptyItem>> = {}) => ({ ...sub.emptyItem(jid), ...over });

describe('RFC 6121 subscription states', () => {
  it('a subscribe request marks the item as asking, until the contact approves (§3.1.2, §3.1.6)', () => {
    const asked = sub.outboundSubscribe(null, jid);
    expect(asked).toMatchObject({ jid, subscription: 'none', askSubscribe: true });
    expect(sub.inboundSubscribed(asked)).toMatchObject({ subscription: 'to', askSubscribe: false });
    expect(sub.inboundSubscribed(item({ subscription: 'from', askSubscribe: true }))).toMatchObject({ subscription: 'both' });
  });

  it('ignores an approval nobody asked for (§3.1.6)', () => {
    expect(sub.inboundSubscribed(item())).toBeNull();
    expect(sub.inboundSubscribed(item({ subscription: 'to' }))).toBeNull();
  });

  it('approving a pending request grants "from"; without one it pre-approves (§3.1.5, §3.4)', () => {
    expect(sub.outboundSubscribed(item({ subscription: 'to' }), jid, true)).toMatchObject({ subscription: 'both', approved: false });
    expect(sub.outboundSubscribed(null, jid, false)).toMatchObject({ subscription: 'none', approved: true });
    expect(sub.inboundSubscribePreApproved(item({ approved: true }))).toMatchObject({ subscription: 'from', approved: false });
  });

  it('unsubscribe and unsubscribed take away one direction each (§3.2, §3.3)', () => {
    const both = item({ subscription: 'both' });
    expect(sub.outboundUnsubscribe(both).subscription).toBe('from');
    expect(sub.outboundUnsubscribed(both).subscription).toBe('to');
    expect(sub.inboundUnsubscribe(both)?.subscription).toBe('to');
    expect(sub.inboundUnsubscribed(both)?.subscription).toBe('from');
    expect(sub.inboundUnsubscribe(item({ subscription: 'to' }))).toBeNull();
    expect(sub.inboundUnsubscribed(item({ subscription: 'from' }))).toBeNull();
    expect(sub.inboundUnsubscribed(item({ askSubscribe: true }))).toMatchObject({ subscription: 'none', askSubscribe: false });
  });
});
