// Whom to call (the extension office): /v1/farmer/config, kept by the service worker and in localStorage so that it
// shows offline. The farmer may pick their commune; the province's number stands in for the rest.
import { getJson } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { refresh } from './shell.js';

const savedKey = 'cropvision.contacts';
const communeKey = 'cropvision.commune';
let config = JSON.parse(localStorage.getItem(savedKey) ?? 'null');

getJson('/v1/farmer/config', { retries: 1 }).then((c) => {
  config = c;
  localStorage.setItem(savedKey, JSON.stringify(c));
  refresh();
}, () => {});

const chosen = () => {
  const commune = localStorage.getItem(communeKey);
  return config?.communes.find((c) => c.commune === commune) ?? config?.province ?? null;
};

function communePicker() {
  const communes = config.communes;
  if (communes.length === 0) return null;
  const current = localStorage.getItem(communeKey) ?? '';
  return h('label', { class: 'commune' }, t('contact.commune'),
    h('select', { 'data-testid': 'commune', onchange: (e) => { localStorage.setItem(communeKey, e.target.value); refresh(); } },
      h('option', { value: '' }, t('contact.province')),
      communes.map((c) => h('option', { value: c.commune, selected: c.commune === current }, c.commune))));
}

/** "Ask an extension officer" with a tel: link, or nothing when the service names no contact. */
export function contactBox() {
  const who = chosen();
  if (!who && !config?.communes.length) return null;
  return h('section', { class: 'contact', 'data-testid': 'contact' },
    h('h3', {}, t('contact.title')),
    communePicker(),
    who && h('a', { class: 'button primary', href: `tel:${who.phone.replace(/[^+0-9]/g, '')}`, 'data-testid': 'contact-call' },
      t('contact.call', { name: who.name, phone: who.phone })));
}
