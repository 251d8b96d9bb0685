// The survey's observations as a list that says what it holds: "100 / 252" and "Xem thêm" for the next page, filters by
// date, label, certainty, reviewed and plot (the list endpoint's own query parameters). Rows are observation-row.js's;
// under ~640 px the table shows as cards (officer.css).
import { h, render } from '../../dom.js';
import { pick, t } from '../../i18n.js';
import { officerApi } from '../api.js';
import { reason } from '../session.js';
import { row } from './observation-row.js';

const pageSize = 100;
const statuses = ['ok', 'uncertain', 'rejected', 'failed'];
const filters = new Map(); // survey id -> its filter, kept while the page is re-drawn

export function observationList(id, labels, labelName, extra = {}) {
  let filter = filters.get(id) ?? {};
  const body = h('tbody');
  const count = h('p', { 'data-testid': 'observation-count' });
  const more = h('button', { type: 'button', class: 'button', hidden: true, 'data-testid': 'more', onclick: () => load(page + 1) }, t('officer.more'));
  const error = h('p', { class: 'error', role: 'alert' });
  let page = 0, shown = 0;

  async function load(next) {
    try {
      const p = await officerApi.observations(id, { ...filter, page: next, pageSize });
      if (next === 1) { render(body); shown = 0; }
      for (const o of p.items) body.append(row(id, o, labels, labelName, extra));
      page = next;
      shown += p.items.length;
      render(count, t('officer.shown', { shown, total: p.total }));
      more.hidden = shown >= p.total;
      render(error);
    } catch (e) { render(error, t('officer.error', { reason: reason(e) })); }
  }

  const field = (name, el) => { if (filter[name] != null) el.value = filter[name]; el.name = name; return el; };
  const select = (name, options) => field(name, h('select', { 'data-testid': `filter-${name}` },
    h('option', { value: '' }, t('officer.any')), options.map(([value, text]) => h('option', { value }, text))));
  const inputs = [
    h('label', {}, t('officer.from'), field('from', h('input', { type: 'date', 'data-testid': 'filter-from' }))),
    h('label', {}, t('officer.to'), field('to', h('input', { type: 'date', 'data-testid': 'filter-to' }))),
    h('label', {}, t('officer.label'), select('label', labels.map((l) => [l.label, pick(l)]))),
    h('label', {}, t('officer.status'), select('status', statuses.map((s) => [s, t(`officer.status.${s}`)]))),
    h('label', {}, t('officer.reviewed'), select('reviewed', [['true', t('officer.yes')], ['false', t('officer.no')]])),
    h('label', {}, t('officer.plot'), field('plot', h('input', { autocomplete: 'off', 'data-testid': 'filter-plot' }))),
  ];
  const form = h('form', {
    class: 'filters', onsubmit: (e) => {
      e.preventDefault();
      const next = {};
      for (const el of form.querySelectorAll('input, select')) if (el.value) next[el.name] = el.value;
      // Dates are whole local days: from the first moment of "from" to the last of "to".
      if (next.from) next.from = new Date(`${next.from}T00:00:00`).toISOString();
      if (next.to) next.to = new Date(`${next.to}T23:59:59.999`).toISOString();
      filter = next;
      filters.set(id, next);
      load(1);
    },
  }, inputs,
  h('div', { class: 'row' },
    h('button', { type: 'submit', class: 'button primary', 'data-testid': 'filter-apply' }, t('officer.filterApply')),
    h('button', { type: 'reset', class: 'button', onclick: () => { filter = {}; filters.delete(id); load(1); } }, t('officer.filterClear'))));
  // A date kept in the filter is an ISO time; the date inputs want the local day back.
  for (const name of ['from', 'to']) if (filter[name]) form.querySelector(`[name=${name}]`).value = localDay(filter[name]);

  load(1);
  return h('section', {}, h('h2', {}, t('officer.observations')),
    h('details', { class: 'card', open: Object.keys(filter).length > 0 }, h('summary', {}, t('officer.filters')), form),
    count, error,
    h('table', { class: 'observations', 'data-testid': 'observations' },
      h('thead', {}, h('tr', {}, ['photo', 'takenAt', 'plot', 'model', 'review'].map((k) => h('th', {}, t(`officer.${k}`))))),
      body),
    more);
}

const localDay = (iso) => {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};
