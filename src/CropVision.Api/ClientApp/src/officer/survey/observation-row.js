// One observation in the survey table: photo, time, plot, the model's answer, one-tap review, severity on its own, and
// (opened on demand) the plot/position edit and the review trail. Each cell carries its heading (data-head) for the
// card layout on a phone.
import { h, render } from '../../dom.js';
import { lang, pick, t } from '../../i18n.js';
import { officerApi } from '../api.js';
import { reason } from '../session.js';
import { observationEdit } from './observation-edit.js';
import { reviewTrail } from './review-trail.js';

/** The model's answer as a line: label, confidence, and how sure it was, in words. */
export const modelLine = (model, labelName) => [labelName(model.label),
  model.confidence != null ? `${Math.round(model.confidence * 100)}%` : null,
  model.status ? t(`officer.status.${model.status}`) : null].filter(Boolean).join(' · ');

/** extra: { grades (the crop's severity grades), plots (the team's plots) }. */
export function row(id, o, labels, labelName, extra = {}) {
  const review = h('div', { class: 'review' });
  let trail = null;
  const send = async (body) => {
    try { show(await officerApi.review(id, o.id, body)); trail?.refresh(); } catch (e) { render(review, t('officer.error', { reason: reason(e) })); }
  };
  const show = (obs) => render(review,
    obs.reviewed ? h('span', { 'data-testid': 'reviewed' }, t('officer.confirmed', { label: labelName(obs.review.label) })) : null,
    obs.reviewed ? null : h('button', {
      type: 'button', class: 'button right', 'data-testid': 'confirm', onclick: () => send({ confirmedLabel: obs.model.label }),
    }, t('officer.confirm')),
    h('select', {
      'aria-label': t('officer.otherLabel'), 'data-testid': 'other-label',
      onchange: (e) => { if (e.target.value) send({ confirmedLabel: e.target.value }); },
    }, h('option', { value: '' }, t('officer.otherLabel')), labels.map((l) => h('option', { value: l.label }, pick(l)))),
    extra.grades?.length ? h('select', {
      'aria-label': t('officer.severity'), 'data-testid': 'severity',
      onchange: (e) => { if (e.target.value) send({ confirmedSeverity: e.target.value }); },
    }, h('option', { value: '' }, t('officer.severityNone')), extra.grades.map((g) => h('option', { value: g.label, selected: g.label === obs.severity }, `${g.label} · ${pick(g)}`))) : null);
  show(o);
  const details = h('details', {
    class: 'observation-details', 'data-testid': 'observation-details',
    ontoggle: () => {
      if (!details.open || trail) return;
      trail = reviewTrail(`/v1/surveys/${id}/observations/${o.id}`, labelName, show);
      details.append(observationEdit(id, o, extra.plots ?? [], (saved) => { plotCell.textContent = saved.plotCode ?? t('officer.none'); }), trail);
    },
  }, h('summary', {}, t('officer.details')));
  const cell = (head, ...content) => h('td', { 'data-head': t(`officer.${head}`) }, content);
  const plotCell = cell('plot', o.plotCode ?? t('officer.none'));
  return h('tr', { 'data-testid': 'observation-row' },
    h('td', { class: 'thumb' }, h('a', { href: o.photoUrl, target: '_blank' }, h('img', { src: o.thumbnailUrl, alt: labelName(o.label), width: 96, height: 48, loading: 'lazy' }))),
    cell('takenAt', new Date(o.takenAt).toLocaleString(lang() === 'vi' ? 'vi-VN' : 'en-GB')),
    plotCell,
    cell('model', modelLine(o.model, labelName)),
    h('td', { class: 'actions' }, review, details));
}
