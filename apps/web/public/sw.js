// Conexizan web client service worker: keeps the app shell (the page at
// /chat/, scripts, styles, icons) so the installed app opens without network
// and can say it is offline. Never caches XMPP, uploads, the website's own
// pages or anything from other origins.
const CACHE = 'conexizan-shell-v3';
const PAGE = '/chat/';
const SHELL = [PAGE, '/manifest.webmanifest', '/icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()),
  );
});

/** Drops cached scripts and styles the current page no longer names (an older build's), so the cache does not grow with every release. */
async function prune(cache, indexResponse) {
  const html = await indexResponse.text();
  const current = new Set([...html.matchAll(/\/assets\/[^"' )]+/g)].map((m) => m[0]));
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    // Chunks loaded on demand (not named in the page) stay until the page's own assets change.
    if (path.startsWith('/assets/index-') && !current.has(path)) await cache.delete(request);
  }
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/upload/') || url.pathname.startsWith('/xmpp-websocket') || url.pathname.startsWith('/.well-known/') || url.pathname.startsWith('/http-bind')) return;
  // The website (landing page, invitations, source) is always fetched from the network.
  if (event.request.mode === 'navigate' && !url.pathname.startsWith(PAGE)) return;
  const isAsset = url.pathname.startsWith('/assets/');
  if (isAsset) {
    // Hashed file names never change: cache first.
    event.respondWith(
      caches.match(event.request).then(
        (hit) => hit || fetch(event.request).then((res) => {
          // Clone now: once the page reads the body, a later clone() fails.
          if (res.ok) {
            const copy = res.clone();
            event.waitUntil(caches.open(CACHE).then((cache) => cache.put(event.request, copy)));
          }
          return res;
        }),
      ),
    );
    return;
  }
  if (event.request.mode === 'navigate') {
    // Network first so a new version shows at once; the cached shell when offline.
    event.respondWith(
      fetch(event.request)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            event.waitUntil(caches.open(CACHE).then((cache) => cache.put(PAGE, copy.clone()).then(() => prune(cache, copy))));
          }
          return res;
        })
        .catch(() => caches.match(PAGE)),
    );
  }
});
