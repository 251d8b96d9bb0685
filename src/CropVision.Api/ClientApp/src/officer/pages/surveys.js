// The survey list (#/) with the form for a new survey; "n / total" and "Xem thêm" when there are more than a page.
import { h, render } from '../../dom.js';
import { t } from '../../i18n.js';
import { officerApi } from '../api.js';
import { isAdmin, reason, session, shell } from '../session.js';

const crops = ['coffee', 'rubber', 'ginseng'];
const cropName = (crop) => t(`officer.crop.${crop}`);

export async function listPage() {
  const first = await officerApi.surveys(1);
  const fields = {
    name: h('input', { name: 'name', required: true, 'data-testid': 'survey-name' }),
    crop: h('select', { name: 'crop', 'data-testid': 'survey-crop' }, crops.map((c) => h('option', { value: c }, cropName(c)))),
    district: h('input', { name: 'district' }), commune: h('input', { name: 'commune', 'data-testid': 'survey-commune' }),
    startsOn: h('input', { name: 'startsOn', type: 'date', 'data-testid': 'survey-starts' }), endsOn: h('input', { name: 'endsOn', type: 'date', 'data-testid': 'survey-ends' }),
  };
  if (isAdmin()) fields.team = h('input', { name: 'team', placeholder: session.me.team, 'data-testid': 'survey-team' });
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'survey-error' });
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

  const list = h('ul', { class: 'surveys', 'data-testid': 'survey-list' });
  const count = h('p', { 'data-testid': 'survey-count' });
  const more = h('button', { type: 'button', class: 'button', hidden: true, 'data-testid': 'more-surveys' }, t('officer.more'));
  let page = 1, shown = 0;
  const add = (p) => {
    for (const s of p.items) {
      list.append(h('li', { class: 'card' },
        h('a', { href: `#/surveys/${s.id}` }, s.name),
        h('span', {}, [cropName(s.crop), [s.commune, s.district].filter(Boolean).join(', ')].filter(Boolean).join(' · ')),
        h('span', {}, t('officer.observationsCount', { count: s.observations, reviewed: s.reviewed })),
        s.closed ? h('span', { class: 'badge' }, t('officer.closed')) : null));
    }
    shown += p.items.length;
    render(count, t('officer.shown', { shown, total: p.total }));
    more.hidden = shown >= p.total;
  };
  more.addEventListener('click', async () => {
    try { add(await officerApi.surveys(page + 1)); page++; } catch (e) { render(count, t('officer.error', { reason: reason(e) })); }
  });
  add(first);
  shell(
    h('section', {}, h('h2', {}, t('officer.surveys')),
      first.items.length === 0 ? h('p', {}, t('officer.noSurveys')) : [count, list, more]),
    form);
}
