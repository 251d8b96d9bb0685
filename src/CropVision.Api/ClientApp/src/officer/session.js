// The signed-in officer, the page's settings and the page frame (header with navigation, sign-out, language) that every
// officer page renders into. Pages import from here; main.js only routes. The header wraps on a phone; a line under it
// says when the page shows saved data (offline, from the service worker's cache: saved.js).
import { h, render } from '../dom.js';
import { other, setLang, t } from '../i18n.js';
import { officerApi } from './api.js';
import { errorText } from './problems.js';
import { forgetSaved, savedNotice } from './saved.js';

export const session = { me: null, config: { tileUrl: '' } };
export const root = document.getElementById('officer');
export const isAdmin = () => !!session.me?.roles?.includes('admin');
/** An error as one line in the page's language (the problem's code, never the API's English detail). */
export const reason = (e) => errorText(e);

let afterSignOut = () => {};
/** main.js hands in its router, so signing out shows the sign-in page without an import cycle. */
export const onSignedOut = (fn) => { afterSignOut = fn; };

export function shell(...content) {
  render(root,
    h('header', { class: 'top' },
      h('h1', {}, h('a', { href: '#/' }, t('officer.title'))),
      h('nav', { class: 'who', 'aria-label': t('officer.menu') },
        session.me ? h('a', { href: '#/review', class: 'button', 'data-testid': 'nav-review' }, t('officer.reviewQueue')) : null,
        session.me ? h('a', { href: '#/plots', class: 'button', 'data-testid': 'nav-plots' }, t('officer.plots')) : null,
        isAdmin() ? h('a', { href: '#/accounts', class: 'button', 'data-testid': 'nav-accounts' }, t('officer.accounts')) : null,
        session.me ? h('span', { class: 'me' }, `${session.me.userName} (${session.me.team})`) : null,
        session.me ? h('button', { type: 'button', class: 'button', 'data-testid': 'sign-out', onclick: signOut }, t('officer.signOut')) : null,
        h('button', { type: 'button', class: 'button', 'data-testid': 'lang-switch', onclick: () => setLang(other()) }, t('app.language')))),
    savedNotice(),
    h('main', { class: 'officer' }, content));
}

async function signOut() {
  try { await officerApi.logout(); } catch { /* signed out anyway */ }
  session.me = null;
  await forgetSaved(); // the next person on this phone must not read this officer's saved surveys
  afterSignOut();
}
