// The review queue: photos most worth an officer's verdict first (GET /v1/review), each confirmed or relabelled with its
// severity in one tap (PATCH /v1/review/{id}), as on the survey page; a farmer's "wrong" offers the farmer's or the
// model's label; severity is optional and can be corrected alone afterwards; undo adds a step to the trail. Route #/review.
import { h, render } from '../dom.js';
import { lang, pick, t } from '../i18n.js';
import { getJson, sendJson } from '../api.js';
import { plotsApi } from './plots-api.js';
import { officerApi } from './api.js';
import { modelLine } from './survey/observation-row.js';

const crops = ['coffee', 'rubber', 'ginseng'];
let crop = 'coffee';
const pageSize = 50;

/** Renders the queue through the officer shell; `reason` turns an error into a line. */
export async function reviewPage(shell, reason) {
  const [queue, model] = await Promise.all([
    officerApi.reviewQueue(crop, 0, pageSize),
    getJson(`/v1/models/${encodeURIComponent(crop)}`, { retries: 0 }).catch(() => null),
  ]);
  const task = (output) => model?.tasks?.find((x) => x.output === output)?.classes ?? [];
  const labels = task('stress'), grades = task('severity');
  const names = Object.fromEntries(labels.map((l) => [l.label, l]));
  const labelName = (label) => (label && names[label] ? pick(names[label]) : label ?? t('officer.none'));
  const picker = h('select', {
    'aria-label': t('officer.crop'), 'data-testid': 'review-crop',
    onchange: (e) => { crop = e.target.value; reviewPage(shell, reason); },
  }, crops.map((c) => h('option', { value: c, selected: c === crop }, t(`officer.crop.${c}`))));
  // Paging: the next page starts after what is shown, less what was reviewed here since (it left the queue).
  const body = h('tbody');
  const count = h('p', { 'data-testid': 'review-count' });
  const more = h('button', { type: 'button', class: 'button', 'data-testid': 'review-more' }, t('officer.more'));
  const state = { shown: 0, reviewed: 0, waiting: queue.waiting };
  const add = (items) => {
    for (const item of items) body.append(row(item, labels, grades, labelName, reason, () => { state.reviewed++; }));
    state.shown += items.length;
    render(count, t('officer.shown', { shown: state.shown, total: state.waiting }));
    more.hidden = state.shown >= state.waiting;
  };
  more.addEventListener('click', async () => {
    try {
      const next = await officerApi.reviewQueue(crop, state.shown - state.reviewed, pageSize);
      state.waiting = next.waiting + state.reviewed;
      add(next.items);
    } catch (e) { render(count, t('officer.error', { reason: reason(e) })); }
  });
  add(queue.items);

  shell(
    h('p', {}, h('a', { href: '#/', class: 'button' }, t('officer.back'))),
    h('section', {}, h('h2', {}, t('officer.reviewQueue')), h('label', {}, t('officer.crop'), picker),
      h('p', { 'data-testid': 'review-waiting' }, t('officer.reviewWaiting', { count: queue.waiting })),
      queue.items.length === 0 ? h('p', {}, t('officer.reviewEmpty')) : h('table', { class: 'observations', 'data-testid': 'review-queue' },
        h('thead', {}, h('tr', {}, ['photo', 'why', 'model', 'farmer', 'review'].map((k) => h('th', {}, t(`officer.${k}`))))),
        body), queue.items.length === 0 ? null : [count, more]));
}

function row(item, labels, grades, labelName, reason, onFirstReview) {
  let counted = false;
  const onReviewed = () => { if (!counted) { counted = true; onFirstReview(); } };
  const o = item.observation;
  const cell = h('div', { class: 'review' });
  const base = `/v1/review/${o.id}`;
  let reviewed = false;
  const severity = h('select', {
    'aria-label': t('officer.severity'), 'data-testid': 'review-severity',
    // Before a verdict the grade goes with it; after, it corrects the grade on its own.
    onchange: () => { if (reviewed && severity.value) send({ confirmedSeverity: severity.value }); },
  }, h('option', { value: '' }, t('officer.severity')), grades.map((g) => h('option', { value: g.label }, `${g.label} · ${pick(g)}`)));
  const send = async (body) => {
    try {
      show(await sendJson('PATCH', base, body));
      onReviewed();
    } catch (e) { render(cell, t('officer.error', { reason: reason(e) })); }
  };
  const verdict = (label, comment) => send({ confirmedLabel: label, confirmedSeverity: severity.value || null, comment });
  const undo = async () => {
    try { show((await plotsApi.undo(base)).observation); } catch (e) { render(cell, t('officer.error', { reason: reason(e) })); }
  };
  // A farmer's "wrong": side with the farmer's label or with the model's; otherwise one tap confirms the model.
  const choices = () => (item.farmerVerdict === 'wrong'
    ? [item.farmerLabel ? h('button', { type: 'button', class: 'button right', 'data-testid': 'review-agree-farmer', onclick: () => verdict(item.farmerLabel, t('officer.agreeFarmer')) }, `${t('officer.agreeFarmer')} (${labelName(item.farmerLabel)})`) : null,
      o.model.label ? h('button', { type: 'button', class: 'button', 'data-testid': 'review-agree-model', onclick: () => verdict(o.model.label, t('officer.agreeModel')) }, `${t('officer.agreeModel')} (${labelName(o.model.label)})`) : null]
    : o.model.label ? h('button', { type: 'button', class: 'button right', 'data-testid': 'review-confirm', onclick: () => verdict(o.model.label) }, t('officer.confirm')) : null);
  const show = (now) => {
    reviewed = now.reviewed;
    render(cell,
      now.reviewed ? h('span', { 'data-testid': 'reviewed' }, t('officer.confirmed', { label: labelName(now.review.label) })) : choices(),
      h('select', {
        'aria-label': t('officer.otherLabel'), 'data-testid': 'review-label',
        onchange: (e) => { if (e.target.value) verdict(e.target.value); },
      }, h('option', { value: '' }, t('officer.otherLabel')), labels.map((l) => h('option', { value: l.label }, pick(l)))),
      grades.length ? severity : null,
      now.reviewed ? h('button', { type: 'button', class: 'button', 'data-testid': 'review-undo', onclick: undo }, t('officer.undo')) : null);
  };
  show(o);
  const farmer = item.farmerVerdict ? t(item.farmerVerdict === 'wrong' ? 'officer.farmerWrong' : 'officer.farmerRight', { label: labelName(item.farmerLabel) }) : '';
  return h('tr', { 'data-testid': 'review-row' },
    h('td', {}, h('a', { href: item.photoUrl, target: '_blank' }, h('img', { src: item.thumbnailUrl, alt: labelName(o.label), width: 96, height: 48, loading: 'lazy' }))),
    h('td', { 'data-head': t('officer.why') }, item.reasons.map((r) => t(`officer.why.${r}`)).join(' · '),
      h('br'), `${item.source === 'survey' ? t('officer.fromSurvey') : t('officer.fromFarmer')} · ${new Date(o.takenAt).toLocaleDateString(lang() === 'vi' ? 'vi-VN' : 'en-GB')}`,
      item.onDevice && [h('br'), h('span', { class: 'badge', 'data-testid': 'review-ondevice' }, t('officer.onDevice'))]),
    // The service's answer; under it, the phone's own when the phone answered offline (POST /v1/device-answers).
    h('td', { 'data-head': t('officer.model') }, modelLine(o.model, labelName),
      item.onDevice && [h('br'), h('span', { 'data-testid': 'review-phone' }, t('officer.phoneSaid', { answer: modelLine(item.onDevice, labelName) }))]),
    h('td', { 'data-head': t('officer.farmer') }, farmer),
    h('td', {}, cell));
}
