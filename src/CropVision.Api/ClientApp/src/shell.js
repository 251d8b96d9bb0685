// The app shell shared by every page: header with the language switch, navigation, an offline banner, a notice area,
// and a hash router (#/ , #/history, ...). A page registers itself with addPage and renders into the main element;
// it is rendered again when the language changes, so pages keep their state outside the DOM.
import { h, render } from './dom.js';
import { onLangChange, other, setLang, t } from './i18n.js';

const pages = [];
let main, nav, banner, notices, header;

/** path: '#/...'; navKey: string-table key of its tab (omit for pages without a tab); show(main) renders it. */
export function addPage(path, navKey, show) {
  pages.push({ path, navKey, show });
}

const currentPage = () => pages.find((p) => p.path === (location.hash || '#/')) ?? pages[0];

export function refresh() {
  const page = currentPage();
  render(header,
    h('h1', {}, t('app.title')),
    h('button', { class: 'lang', type: 'button', 'aria-label': t('app.languageLabel'), 'data-testid': 'lang-switch', onclick: () => setLang(other()) }, t('app.language')));
  render(nav, pages.filter((p) => p.navKey).map((p) =>
    h('a', { href: p.path, class: p === page ? 'tab active' : 'tab', 'aria-current': p === page ? 'page' : null }, t(p.navKey))));
  banner.hidden = navigator.onLine;
  render(banner, t('app.offline'));
  page.show(main);
}

/** A short message at the bottom of the screen (read out by screen readers). */
export function notify(text, ms = 6000) {
  if (!notices) return;
  const note = h('p', { class: 'notice', 'data-testid': 'notice' }, text);
  notices.append(note);
  setTimeout(() => note.remove(), ms);
}

export function start(root) {
  header = h('header', { class: 'top' });
  nav = h('nav', { class: 'tabs' });
  banner = h('p', { class: 'offline', role: 'status', 'data-testid': 'offline-banner' });
  main = h('main', { id: 'main' });
  notices = h('div', { class: 'notices', 'aria-live': 'polite' });
  render(root, header, nav, banner, main, notices);
  window.addEventListener('hashchange', refresh);
  window.addEventListener('online', () => { banner.hidden = true; });
  window.addEventListener('offline', () => { banner.hidden = false; });
  window.addEventListener('cropvision:network', (e) => { banner.hidden = e.detail && navigator.onLine; });
  onLangChange(refresh);
  refresh();
}
