// The review queue: photos most worth an officer's verdict first (GET /v1/review), each confirmed or relabelled with its
// severity in one tap (PATCH /v1/review/{id}), as on the survey page. Route #/review.
import { h, render } from '../dom.js';
import { lang, pick, t } from '../i18n.js';
import { getJson, sendJson } from '../api.js';

const crops = ['coffee', 'rubber', 'ginseng'];
let crop = 'coffee';

/** Renders the queue through the officer shell; `reason` turns an error into a line. */
export async function reviewPage(shell, reason) {
  const [queue, model] = await Promise.all([
    getJson(`/v1/review?crop=${encodeURIComponent(crop)}&limit=100`),
    getJson(`/v1/models/${encodeURIComponent(crop)}`, { retries: 0 }).catch(() => null),
  ]);
  const task = (output) => model?.tasks?.find((x) => x.output === output)?.classes ?? [];
  const labels = task('stress'), grades = task('severity');
  const names = Object.fromEntries(labels.map((l) => [l.label, l]));
  const labelName = (label) => (label && names[label] ? pick(names[label]) : label ?? t('officer.none'));
  const picker = h('select', {
    'aria-label': t('officer.crop'), 'data-testid': 'review-crop',
    onchange: (e) => { crop = e.target.value; reviewPage(shell, reason); },
  }, crops.map((c) => h('option', { value: c, selected: c === crop }, c)));

  shell(
    h('p', {}, h('a', { href: '#/' }, t('officer.back'))),
    h('section', {}, h('h2', {}, t('officer.reviewQueue')), h('label', {}, t('officer.crop'), picker),
      h('p', { 'data-testid': 'review-waiting' }, t('officer.reviewWaiting', { count: queue.waiting })),
      queue.items.length === 0 ? h('p', {}, t('officer.reviewEmpty')) : h('table', { class: 'observations', 'data-testid': 'review-queue' },
        h('thead', {}, h('tr', {}, ['photo', 'why', 'model', 'farmer', 'review'].map((k) => h('th', {}, t(`officer.${k}`))))),
        h('tbody', {}, queue.items.map((item) => row(item, labels, grades, labelName, reason))))));
}

const answerText = (a, labelName) => `${labelName(a.label)} ${a.confidence != null ? `${Math.round(a.confidence * 100)}%` : ''} (${a.status ?? ''})`;

function row(item, labels, grades, labelName, reason) {
  const o = item.observation;
  const cell = h('div', { class: 'review' });
  const severity = h('select', { 'aria-label': t('officer.severity'), 'data-testid': 'review-severity' },
    h('option', { value: '' }, t('officer.severity')), grades.map((g) => h('option', { value: g.label }, `${g.label} · ${pick(g)}`)));
  const send = async (label) => {
    try {
      const done = await sendJson('PATCH', `/v1/review/${o.id}`, { confirmedLabel: label, confirmedSeverity: severity.value || null });
      render(cell, h('span', { 'data-testid': 'reviewed' }, t('officer.confirmed', { label: labelName(done.review.label) })));
    } catch (e) { render(cell, t('officer.error', { reason: reason(e) })); }
  };
  render(cell,
    o.model.label ? h('button', { type: 'button', class: 'button right', 'data-testid': 'review-confirm', onclick: () => send(o.model.label) }, t('officer.confirm')) : null,
    h('select', {
      'aria-label': t('officer.otherLabel'), 'data-testid': 'review-label',
      onchange: (e) => { if (e.target.value) send(e.target.value); },
    }, h('option', { value: '' }, t('officer.otherLabel')), labels.map((l) => h('option', { value: l.label }, pick(l)))),
    grades.length ? severity : null);
  const farmer = item.farmerVerdict ? t(item.farmerVerdict === 'wrong' ? 'officer.farmerWrong' : 'officer.farmerRight', { label: labelName(item.farmerLabel) }) : '';
  return h('tr', { 'data-testid': 'review-row' },
    h('td', {}, h('a', { href: item.photoUrl, target: '_blank' }, h('img', { src: item.thumbnailUrl, alt: labelName(o.label), width: 96, height: 48, loading: 'lazy' }))),
    h('td', {}, item.reasons.map((r) => t(`officer.why.${r}`)).join(' · '),
      h('br'), `${item.source === 'survey' ? t('officer.fromSurvey') : t('officer.fromFarmer')} · ${new Date(o.takenAt).toLocaleDateString(lang() === 'vi' ? 'vi-VN' : 'en-GB')}`,
      item.onDevice && [h('br'), h('span', { class: 'badge', 'data-testid': 'review-ondevice' }, t('officer.onDevice'))]),
    // The service's answer; under it, the phone's own when the phone answered offline (POST /v1/device-answers).
    h('td', {}, answerText(o.model, labelName),
      item.onDevice && [h('br'), h('span', { 'data-testid': 'review-phone' }, t('officer.phoneSaid', { answer: answerText(item.onDevice, labelName) }))]),
    h('td', {}, farmer),
    h('td', {}, cell));
}
