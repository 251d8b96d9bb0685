// Service worker side of diagnosis on the phone: the 'ondevice' cache (model + onnxruntime-web files, filled by the
// page in model.js) survives shell updates and is served cache-first, so the model works with no network.
export const onDeviceCache = 'ondevice-v1';
export const keepsCache = (name) => name === onDeviceCache;

/** Answers the request from the ondevice cache when it holds it; returns false when it is not ours. */
export function onDeviceFetch(event) {
  const url = new URL(event.request.url);
  if (!url.pathname.startsWith('/assets/ort-') && !/^\/v1\/models\/[^/]+\/browser-model$/.test(url.pathname)) return false;
  event.respondWith(caches.match(event.request, { cacheName: onDeviceCache }).then((hit) => hit ?? fetch(event.request)));
  return true;
}
