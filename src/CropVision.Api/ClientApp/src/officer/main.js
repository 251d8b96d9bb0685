// The officer pages, routed by hash: #/ (survey list, pages/surveys.js), #/surveys/{id} (pages/survey.js and its
// sections in survey/), #/review (review.js), #/plots (pages/plots.js), #/accounts (pages/accounts.js); signed out: pages/login.js. The frame and
// the signed-in officer are in session.js. Texts come from the shared string table (Vietnamese first).
import './officer.css';
import { h } from '../dom.js';
import { onLangChange, t } from '../i18n.js';
import { ProblemError } from '../api.js';
import { officerApi } from './api.js';
import { isAdmin, onSignedOut, reason, session, shell } from './session.js';
import { loginPage } from './pages/login.js';
import { listPage } from './pages/surveys.js';
import { surveyPage } from './pages/survey.js';
import { accountsPage } from './pages/accounts.js';
import { reviewPage } from './review.js';
import { plotsPage } from './pages/plots.js';
import { resetSaved } from './saved.js';

async function route() {
  resetSaved();
  try {
    if (!session.me) {
      try { session.me = await officerApi.me(); } catch { loginPage(route); return; }
    }
    const match = location.hash.match(/^#\/surveys\/([0-9a-f-]{36})$/);
    if (match) await surveyPage(match[1]);
    else if (location.hash === '#/accounts' && isAdmin()) await accountsPage();
    else if (location.hash === '#/review') await reviewPage(shell, reason);
    else if (location.hash === '#/plots') await plotsPage();
    else await listPage();
  } catch (e) {
    if (e instanceof ProblemError && e.status === 401) { session.me = null; loginPage(route); return; }
    console.error('officer page failed', e); // the page says it in words; the console keeps what for whoever debugs
    shell(h('p', { class: 'error', role: 'alert' }, t('officer.error', { reason: reason(e) })));
  }
}

window.addEventListener('hashchange', route);
onLangChange(route);
onSignedOut(route);
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/officer/sw.js').catch((e) => console.warn('service worker not registered', e));
}
officerApi.config().then((c) => { session.config = c; }).catch(() => {}).finally(route);
