// "Showing saved data": the officer service worker (sw.js) answers a GET from its cache when the network fails and
// tells the page so (a message with the time the answer was saved). One line under the header says it, until the next
// page is opened (main.js calls resetSaved on every route).
import { h, render } from '../dom.js';
import { lang, t } from '../i18n.js';

export const dataCache = 'officer-data-v1';
const notice = h('p', { class: 'saved', role: 'status', hidden: true, 'data-testid': 'saved-notice' });
let oldest = null;

export const savedNotice = () => notice;

export function resetSaved() {
  oldest = null;
  notice.hidden = true;
  render(notice);
}

function show(savedAt) {
  if (oldest !== null && oldest <= savedAt) return;
  oldest = savedAt;
  const time = new Date(savedAt).toLocaleString(lang() === 'vi' ? 'vi-VN' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' });
  render(notice, t('officer.savedData', { time }));
  notice.hidden = false;
}

/** Forgets every saved answer (on sign-out: the next person on this phone must not read them). */
export async function forgetSaved() {
  try { await caches.delete(dataCache); } catch { /* no Cache API (plain HTTP on a LAN address): nothing saved */ }
}

navigator.serviceWorker?.addEventListener('message', (e) => {
  if (e.data?.type === 'cropvision:saved') show(e.data.savedAt);
});
