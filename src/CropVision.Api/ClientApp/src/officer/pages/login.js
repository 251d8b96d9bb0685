// The sign-in page, with why a sign-in failed in the page's language.
import { h, render } from '../../dom.js';
import { t } from '../../i18n.js';
import { ProblemError } from '../../api.js';
import { officerApi } from '../api.js';
import { reason, session, shell } from '../session.js';

/** Why sign-in failed, in the page's language (the API's own words are English). */
function signInProblem(err) {
  if (err instanceof ProblemError && err.status === 429) {
    return t('officer.signInThrottled', { minutes: Math.max(1, Math.ceil((err.problem?.retryAfterSeconds ?? 60) / 60)) });
  }
  if (err instanceof ProblemError && err.problem?.code === 'account-locked') return t('officer.signInLocked');
  if (err instanceof ProblemError && err.status === 401) return t('officer.signInWrong');
  return t('officer.signInFailed', { reason: reason(err) });
}

export function loginPage(signedIn) {
  const user = h('input', { name: 'userName', autocomplete: 'username', required: true, 'data-testid': 'user' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'password' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', {
    class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      try { session.me = await officerApi.login(user.value, password.value); signedIn(); }
      catch (err) { render(error, signInProblem(err)); }
    },
  }, h('h2', {}, t('officer.signIn')),
  h('label', {}, t('officer.userName'), user), h('label', {}, t('officer.password'), password),
  h('button', { type: 'submit', class: 'button primary', 'data-testid': 'sign-in' }, t('officer.signIn')), error);
  shell(form);
}

