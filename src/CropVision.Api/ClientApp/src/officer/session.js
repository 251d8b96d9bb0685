// The signed-in officer, the page's settings and the page frame (header with navigation, sign-out, language) that every
// officer page renders into. Pages import from here; main.js only routes.
import { h, render } from '../dom.js';
import { other, setLang, t } from '../i18n.js';
import { ProblemError } from '../api.js';
import { officerApi } from './api.js';

export const session = { me: null, config: { tileUrl: '' } };
export const root = document.getElementById('officer');
export const isAdmin = () => !!session.me?.roles?.includes('admin');
/** An error as one line (the API's problem detail, else the message). */
export const reason = (e) => (e instanceof ProblemError ? e.problem?.detail || e.problem?.title : e.message) || String(e);

let afterSignOut = () => {};
/** main.js hands in its router, so signing out shows the sign-in page without an import cycle. */
export const onSignedOut = (fn) => { afterSignOut = fn; };

export function shell(...content) {
  render(root,
    h('header', { class: 'top' },
      h('h1', {}, t('officer.title')),
      h('div', { class: 'who' },
        session.me ? h('a', { href: '#/review', class: 'lang button', 'data-testid': 'nav-review' }, t('officer.reviewQueue')) : null,
        session.me ? h('a', { href: '#/plots', class: 'lang button', 'data-testid': 'nav-plots' }, t('officer.plots')) : null,
        isAdmin() ? h('a', { href: '#/accounts', class: 'lang button', 'data-testid': 'nav-accounts' }, t('officer.accounts')) : null,
        session.me ? h('span', {}, `${session.me.userName} (${session.me.team})`) : null,
        session.me ? h('button', { type: 'button', class: 'lang', 'data-testid': 'sign-out', onclick: signOut }, t('officer.signOut')) : null,
        h('button', { type: 'button', class: 'lang', 'data-testid': 'lang-switch', onclick: () => setLang(other()) }, t('app.language')))),
    h('main', { class: 'officer' }, content));
}

async function signOut() {
  try { await officerApi.logout(); } catch { /* signed out anyway */ }
  session.me = null;
  afterSignOut();
}
