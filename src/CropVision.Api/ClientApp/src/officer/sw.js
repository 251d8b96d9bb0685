// The officer pages' service worker (scope /officer/): the page shell (built list SHELL_FILES) cache-first, so the
// pages open with no signal after one visit; the officer's data (GET /v1/... below) network-first, keeping the last
// answer of each, so the survey list and the surveys, observations and summaries seen last are readable offline. An
// answer from the cache is marked to the page (saved.js). POSTs are never touched: captures wait in IndexedDB
// (survey/capture.js) and are sent by the page.
/* global SHELL_FILES, SHELL_VERSION */
const shellCache = `officer-shell-${SHELL_VERSION}`;
const dataCache = 'officer-data-v1'; // the same name as saved.js's
const savedHeader = 'x-cropvision-saved-at';
const data = [
  /^\/v1\/officer\/config$/, /^\/v1\/auth\/me$/, /^\/v1\/surveys$/, /^\/v1\/surveys\/[0-9a-f-]{36}$/,
  /^\/v1\/surveys\/[0-9a-f-]{36}\/(summary|observations)$/, /^\/v1\/surveys\/[0-9a-f-]{36}\/observations\/[0-9a-f-]{36}\/thumbnail$/,
  /^\/v1\/review$/, /^\/v1\/review\/[0-9a-f-]{36}\/thumbnail$/, /^\/v1\/models\/[a-z]+$/,
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    await (await caches.open(shellCache)).addAll(SHELL_FILES);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith('officer-shell-') && key !== shellCache) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (data.some((re) => re.test(url.pathname))) {
    event.respondWith(networkFirst(event));
  } else if (request.mode === 'navigate' && url.pathname === '/officer/') {
    event.respondWith(fetch(request).catch(() => caches.match('/officer/', { cacheName: shellCache, ignoreSearch: true })
      .then((hit) => hit ?? Response.error())));
  } else if (SHELL_FILES.includes(url.pathname)) {
    event.respondWith(caches.match(request, { cacheName: shellCache }).then((hit) => hit ?? fetch(request)));
  }
});

async function networkFirst(event) {
  const request = event.request;
  const cache = await caches.open(dataCache);
  try {
    const response = await fetch(request);
    if (response.ok) {
      // Stamped with when it was saved, so that an answer from the cache can say how old it is.
      const headers = new Headers(response.headers);
      headers.set(savedHeader, String(Date.now()));
      await cache.put(request, new Response(await response.clone().blob(), { status: response.status, statusText: response.statusText, headers }));
    } else if (response.status === 401) {
      await caches.delete(dataCache); // signed out elsewhere: nothing of this officer's stays readable
    }
    return response;
  } catch (e) {
    const hit = await cache.match(request);
    if (!hit) throw e;
    const client = event.clientId ? await self.clients.get(event.clientId) : null;
    client?.postMessage({ type: 'cropvision:saved', savedAt: Number(hit.headers.get(savedHeader)) || Date.now() });
    return hit;
  }
}
