// Close, edit and delete a survey (PATCH, POST close, DELETE /v1/surveys/{id}); deleting asks first and says how many
// observations go with it.
import { sendJson } from '../../api.js';
import { h, render } from '../../dom.js';
import { t } from '../../i18n.js';
import { reason } from '../session.js';
import './manage.css';

const url = (id) => `/v1/surveys/${encodeURIComponent(id)}`;

/** A modal question with two buttons; resolves true for yes. */
function ask(text, yes, testid) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'confirm', 'data-testid': testid },
      h('p', {}, text),
      h('div', { class: 'manage-actions' },
        h('button', { type: 'button', class: 'danger confirm', 'data-testid': `${testid}-yes`, onclick: () => { dialog.close(); resolve(true); } }, yes),
        h('button', { type: 'button', 'data-testid': `${testid}-no`, onclick: () => { dialog.close(); resolve(false); } }, t('officer.cancel'))));
    dialog.addEventListener('close', () => { dialog.remove(); resolve(false); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** The "manage" card for a survey: edit its facts (while open), close it, delete it. onChange re-renders the page. */
export function manageCard(survey, onChange) {
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'manage-error' });
  const fail = (e) => render(error, t('officer.error', { reason: reason(e) }));
  const fields = {
    name: h('input', { name: 'name', required: true, value: survey.name, 'data-testid': 'edit-name' }),
    district: h('input', { name: 'district', value: survey.district ?? '' }),
    commune: h('input', { name: 'commune', value: survey.commune ?? '' }),
    startsOn: h('input', { name: 'startsOn', type: 'date', value: survey.startsOn ?? '' }),
    endsOn: h('input', { name: 'endsOn', type: 'date', value: survey.endsOn ?? '' }),
    notes: h('textarea', { name: 'notes' }, survey.notes ?? ''),
  };
  const form = h('form', {
    hidden: true, class: 'card', 'data-testid': 'edit-form',
    onsubmit: async (e) => {
      e.preventDefault();
      // Empty date fields are left as they were: the API has no way to clear a date.
      const body = Object.fromEntries(Object.entries(fields).map(([k, el]) => [k, el.value === '' && k.endsWith('On') ? null : el.value]));
      try { await sendJson('PATCH', url(survey.id), body, { retries: 0 }); onChange(); } catch (err) { fail(err); }
    },
  },
  Object.entries(fields).map(([k, el]) => h('label', {}, t(`officer.${k}`), el)),
  h('div', { class: 'manage-actions' },
    h('button', { type: 'submit', class: 'button primary', 'data-testid': 'edit-save' }, t('officer.save')),
    h('button', { type: 'button', onclick: () => { form.hidden = true; } }, t('officer.cancel'))));

  const close = async () => {
    if (!await ask(t('officer.closeConfirm'), t('officer.closeSurvey'), 'close-confirm')) return;
    try { await sendJson('POST', `${url(survey.id)}/close`, undefined, { retries: 0 }); onChange(); } catch (err) { fail(err); }
  };
  const remove = async () => {
    const text = t('officer.deleteConfirm', { name: survey.name, count: survey.observations });
    if (!await ask(text, t('officer.deleteYes'), 'delete-confirm')) return;
    try { await sendJson('DELETE', url(survey.id), undefined, { retries: 0 }); location.hash = '#/'; } catch (err) { fail(err); }
  };

  return h('section', { class: 'card', 'data-testid': 'manage' }, h('h2', {}, t('officer.manage')),
    survey.closed ? h('p', { 'data-testid': 'closed-note' }, t('officer.closedNote')) : null,
    h('div', { class: 'manage-actions' },
      survey.closed ? null : h('button', { type: 'button', 'data-testid': 'edit-survey', onclick: () => { form.hidden = !form.hidden; } }, t('officer.edit')),
      survey.closed ? null : h('button', { type: 'button', 'data-testid': 'close-survey', onclick: close }, t('officer.closeSurvey')),
      h('button', { type: 'button', class: 'danger', 'data-testid': 'delete-survey', onclick: remove }, t('officer.deleteSurvey'))),
    form, error);
}
