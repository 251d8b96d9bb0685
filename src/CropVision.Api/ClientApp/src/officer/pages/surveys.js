// The survey list (#/) with the form for a new survey.
import { h, render } from '../../dom.js';
import { t } from '../../i18n.js';
import { officerApi } from '../api.js';
import { isAdmin, reason, session, shell } from '../session.js';

export async function listPage() {
  const list = await officerApi.surveys();
  const fields = {
    name: h('input', { name: 'name', required: true, 'data-testid': 'survey-name' }),
    crop: h('select', { name: 'crop', 'data-testid': 'survey-crop' }, ['coffee', 'rubber', 'ginseng'].map((c) => h('option', { value: c }, c))),
    district: h('input', { name: 'district' }), commune: h('input', { name: 'commune', 'data-testid': 'survey-commune' }),
    startsOn: h('input', { name: 'startsOn', type: 'date' }), endsOn: h('input', { name: 'endsOn', type: 'date' }),
  };
  if (isAdmin()) fields.team = h('input', { name: 'team', placeholder: session.me.team, 'data-testid': 'survey-team' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', {
    class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      const body = Object.fromEntries(Object.entries(fields).map(([k, el]) => [k, el.value || null]));
      try { const s = await officerApi.createSurvey(body); location.hash = `#/surveys/${s.id}`; }
      catch (err) { render(error, t('officer.error', { reason: reason(err) })); }
    },
  }, h('h2', {}, t('officer.newSurvey')),
  Object.entries(fields).map(([k, el]) => h('label', {}, t(`officer.${k}`), el)),
  h('button', { type: 'submit', class: 'button primary', 'data-testid': 'create-survey' }, t('officer.create')), error);
  shell(
    h('section', {}, h('h2', {}, t('officer.surveys')),
      list.items.length === 0 ? h('p', {}, t('officer.noSurveys')) : h('ul', { class: 'surveys', 'data-testid': 'survey-list' },
        list.items.map((s) => h('li', {},
          h('a', { href: `#/surveys/${s.id}` }, s.name),
          ` · ${s.crop} · ${[s.commune, s.district].filter(Boolean).join(', ')} · `,
          t('officer.observationsCount', { count: s.observations, reviewed: s.reviewed }),
          s.closed ? h('span', { class: 'badge' }, t('officer.closed')) : null)))),
    form);
}

