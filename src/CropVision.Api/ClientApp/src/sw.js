// Service worker: keeps the app shell (built list SHELL_FILES) in a cache named by its version, serves it cache-first,
// and keeps the last /v1/models and /v1/farmer/config answers so the crop list and whom to call show offline. Uploads (POST) are never touched: the page
// queues them itself, in IndexedDB.
/* global SHELL_FILES, SHELL_VERSION, MEDIA_FILES, MEDIA_VERSION */
import { keepsCache, onDeviceFetch } from './ondevice/sw-hook.js'; // diagnosis on the phone (issue 17)
const shellCache = `shell-${SHELL_VERSION}`;
// issue 17 hook: read-aloud clips and reference pictures, precached apart from the shell (a failure there never blocks it).
const mediaCache = `media-${MEDIA_VERSION}`;
const dataCache = 'data-v1';
const data = ['/v1/models', '/v1/farmer/config']; // network first, else the last answer kept

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    await (await caches.open(shellCache)).addAll(SHELL_FILES);
    // The crop list too, so that a phone that goes offline right after its first visit still shows it.
    await (await caches.open(dataCache)).addAll(data).catch(() => {});
    await (await caches.open(mediaCache)).addAll(MEDIA_FILES).catch(() => {}); // issue 17 hook
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== shellCache && key !== dataCache && key !== mediaCache && !keepsCache(key)) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (onDeviceFetch(event)) return; // diagnosis on the phone: model and runtime from the ondevice cache (issue 17)
  if (data.includes(url.pathname)) {
    event.respondWith(networkFirst(request));
  } else if (request.mode === 'navigate' && url.pathname === '/') {
    event.respondWith(caches.match('/', { cacheName: shellCache, ignoreSearch: true }).then((hit) => hit ?? fetch(request)));
  } else if (SHELL_FILES.includes(url.pathname)) {
    event.respondWith(caches.match(request, { cacheName: shellCache }).then((hit) => hit ?? fetch(request)));
  } else if (MEDIA_FILES.includes(url.pathname)) { // issue 17 hook
    event.respondWith(caches.match(url.pathname, { cacheName: mediaCache }).then((hit) => hit ?? fetch(request)));
  }
});

async function networkFirst(request) {
  const cache = await caches.open(dataCache);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (e) {
    const hit = await cache.match(request);
    if (hit) return hit;
    throw e;
  }
}
