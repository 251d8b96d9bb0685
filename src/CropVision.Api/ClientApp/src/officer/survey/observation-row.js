// One observation in the survey table: photo, time, plot, the model's answer, and one-tap review. Each cell carries its
// heading (data-head) for the card layout on a phone.
import { h, render } from '../../dom.js';
import { lang, pick, t } from '../../i18n.js';
import { officerApi } from '../api.js';
import { reason } from '../session.js';

/** The model's answer as a line: label, confidence, and how sure it was, in words. */
export const modelLine = (model, labelName) => [labelName(model.label),
  model.confidence != null ? `${Math.round(model.confidence * 100)}%` : null,
  model.status ? t(`officer.status.${model.status}`) : null].filter(Boolean).join(' · ');

export function row(id, o, labels, labelName) {
  const review = h('div', { class: 'review' });
  const show = (obs) => render(review,
    obs.reviewed ? h('span', { 'data-testid': 'reviewed' }, t('officer.confirmed', { label: labelName(obs.review.label) })) : null,
    obs.reviewed ? null : h('button', {
      type: 'button', class: 'button right', 'data-testid': 'confirm',
      onclick: async () => { try { show(await officerApi.review(id, o.id, { confirmedLabel: obs.model.label })); } catch (e) { render(review, t('officer.error', { reason: reason(e) })); } },
    }, t('officer.confirm')),
    h('select', {
      'aria-label': t('officer.otherLabel'), 'data-testid': 'other-label',
      onchange: async (e) => { if (e.target.value) { try { show(await officerApi.review(id, o.id, { confirmedLabel: e.target.value })); } catch (err) { render(review, t('officer.error', { reason: reason(err) })); } } },
    }, h('option', { value: '' }, t('officer.otherLabel')), labels.map((l) => h('option', { value: l.label }, pick(l)))));
  show(o);
  const cell = (head, ...content) => h('td', { 'data-head': t(`officer.${head}`) }, content);
  return h('tr', { 'data-testid': 'observation-row' },
    h('td', { class: 'thumb' }, h('a', { href: o.photoUrl, target: '_blank' }, h('img', { src: o.thumbnailUrl, alt: labelName(o.label), width: 96, height: 48, loading: 'lazy' }))),
    cell('takenAt', new Date(o.takenAt).toLocaleString(lang() === 'vi' ? 'vi-VN' : 'en-GB')),
    cell('plot', o.plotCode ?? t('officer.none')),
    cell('model', modelLine(o.model, labelName)),
    h('td', { class: 'actions' }, review));
}
