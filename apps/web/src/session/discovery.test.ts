import { describe, expect, it } from 'vitest';
import { DiscoveryError, discoverWebSocket, hostMetaUrls, websocketFromHostMeta } from './discovery.ts';

describe('XEP-0156 discovery', () => {
  it('tries the page origin first when the app is served by the server', () => {
    expect(hostMetaUrls('localhost', { hostname: 'localhost', origin: 'http://localhost:5380' })).toEqual([
      'http://localhost:5380/.well-known/host-meta.json',
      'https://localhost/.well-known/host-meta.json',
      'http://localhost/.well-known/host-meta.json',
    ]);
    expect(hostMetaUrls('example.org', { hostname: 'app.example.net', origin: 'https://app.example.net' })).toEqual(['https://example.org/.well-known/host-meta.json']);
  });

  it('accepts only ws: and wss: links', () => {
    expect(websocketFromHostMeta({ links: [{ rel: 'urn:xmpp:alt-connections:websocket', href: 'javascript:x' }, { rel: 'urn:xmpp:alt-connections:websocket', href: 'wss://x/ws' }] })).toBe('wss://x/ws');
    expect(websocketFromHostMeta({ links: [{ rel: 'urn:xmpp:alt-connections:xbosh', href: 'https://x/bosh' }] })).toBeNull();
  });

  it('falls through failing candidates and reports when none answers', async () => {
    const seen: string[] = [];
    const fetchImpl = (async (url: string) => {
      seen.push(url);
      if (url.startsWith('https:')) throw new TypeError('refused');
      return new Response(JSON.stringify({ links: [{ rel: 'urn:xmpp:alt-connections:websocket', href: 'ws://x:1/xmpp-websocket' }] }));
    }) as typeof fetch;
    await expect(discoverWebSocket('x', fetchImpl, null)).resolves.toBe('ws://x:1/xmpp-websocket');
    expect(seen).toEqual(['https://x/.well-known/host-meta.json', 'http://x/.well-known/host-meta.json']);
    const failing = (async () => new Response('nope', { status: 404 })) as unknown as typeof fetch;
    await expect(discoverWebSocket('x', failing, null)).rejects.toBeInstanceOf(DiscoveryError);
  });
});

describe('the page’s own server', () => {
  it('names its domain and endpoint, whatever host name the page was opened by', async () => {
    const seen: string[] = [];
    const fetchImpl = (async (url: string) => {
      seen.push(url);
      if (url === 'http://127.0.0.1:5280/.well-known/conexizan.json') return new Response(JSON.stringify({ domain: 'localhost', websocket: 'ws://127.0.0.1:5280/xmpp-websocket' }));
      return new Response('nope', { status: 404 });
    }) as typeof fetch;
    const page = { hostname: '127.0.0.1', origin: 'http://127.0.0.1:5280' };
    await expect(discoverWebSocket('localhost', fetchImpl, page)).resolves.toBe('ws://127.0.0.1:5280/xmpp-websocket');
    // Another domain typed in the Server field: its own host-meta, not the page's server.
    await expect(discoverWebSocket('example.org', fetchImpl, page)).rejects.toBeInstanceOf(DiscoveryError);
    expect(seen).toContain('https://example.org/.well-known/host-meta.json');
  });
});

describe('the Server field', async () => {
  const { parseServerField } = await import('./account.ts');
  it('takes a domain, or a WebSocket address as it is', () => {
    expect(parseServerField(' example.org ')).toEqual({ domain: 'example.org' });
    expect(parseServerField('wss://xmpp.example.org:5443/ws')).toEqual({ domain: 'xmpp.example.org', service: 'wss://xmpp.example.org:5443/ws' });
  });
});
