// The answer card: what the model said about one photo, in the farmer's words, and the "was this right?" box.
import { contactBox } from './contacts.js';
import { h } from './dom.js';
import { lang, pick, t } from './i18n.js';
import { listenButton } from './speak.js'; // issue 17 item 6 hook
import { referencePictures } from './references.js'; // issue 17 item 7 hook

/**
 * Certainty in plain words, three levels that are the answer's status (ok: sure, uncertain: not sure, rejected: not
 * recognised), so that "not sure" never labels an answer that comes with advice. The percentage stays in the details.
 */
export const certaintyWords = (status) => t(`answer.certainty.${status}`);
/** Kept for callers that pass a probability: the words follow the status alone. */
export const confidenceWords = (p, status = 'ok') => certaintyWords(status);

/** Severe enough to call the extension officer: grade 3 (high) or 4 (very high) of 0-4. */
export const isSevere = (answer) => answer.status === 'ok' && Number(answer.severity?.grade) >= 3;

/** A name in the current language only; the other language's name is in the details fold. */
const twoNames = (item, cls = 'name') =>
  h('div', { class: cls }, h('span', { class: 'main', 'data-testid': 'answer-name' }, lang() === 'vi' ? item.vi : item.en));

/** What to do now and when to look again, by severity (none for a healthy leaf or a close-up without a grade). */
function adviceNow(answer) {
  const grade = Number(answer.severity?.grade);
  if (answer.label === 'healthy' || !(grade >= 1)) return null;
  return h('p', { class: 'now', 'data-testid': 'advice-now' }, t(grade >= 3 ? 'advice.severe' : 'advice.light'));
}

/** The technical facts, folded away: percentages, the other language's names, the diagnosis version. */
function details(answer) {
  const other = (p) => (lang() === 'vi' ? p.en : p.vi);
  return h('details', { class: 'details', 'data-testid': 'details' },
    h('summary', {}, t('answer.details')),
    h('ul', {}, answer.predictions.slice(0, 3).map((p) => h('li', {}, `${pick(p)} (${other(p)}): ${Math.round(p.probability * 100)}%`)),
      h('li', { class: 'model' }, t('answer.model', { version: answer.model.version }))));
}

export const photoTips = () =>
  h('section', { class: 'tips', 'data-testid': 'tips' },
    h('h3', {}, t('tips.title')),
    h('ul', {}, ['tips.oneLeaf', 'tips.fill', 'tips.daylight', 'tips.focus'].map((k) => h('li', {}, t(k)))));

/** cropName: {en, vi}. */
export function answerCard(answer, cropName) {
  const parts = [];
  const advice = () => h('section', { class: 'advice' }, h('h3', {}, t('answer.advice')), adviceNow(answer), h('p', { 'data-testid': 'advice' }, pick(answer.advice)));
  if (answer.status === 'rejected') {
    parts.push(
      h('p', { class: 'verdict', 'data-testid': 'rejected' }, t('answer.rejected', { crop: pick(cropName).toLowerCase() })),
      h('p', {}, t('answer.rejectedHelp')),
      photoTips());
  } else if (answer.status === 'uncertain') {
    parts.push(
      h('p', { class: 'verdict', 'data-testid': 'uncertain' }, t('answer.uncertain')),
      h('ol', { class: 'candidates' }, answer.predictions.slice(0, 2).map((p) => h('li', {}, twoNames(p)))),
      h('p', {}, t('answer.uncertainHelp')),
      contactBox(),
      photoTips());
  } else {
    const top = answer.predictions[0];
    parts.push(
      twoNames(top),
      h('p', { class: 'confidence', 'data-testid': 'confidence' }, certaintyWords(answer.status)),
      answer.severity && h('p', { class: 'severity', 'data-testid': 'severity' }, t('answer.severity', { grade: pick(answer.severity) })),
      answer.otherStresses?.length > 0 && h('p', { class: 'others', 'data-testid': 'others' }, t('answer.others', { list: answer.otherStresses.map((s) => pick(s)).join(', ') })),
      advice(),
      isSevere(answer) && contactBox());
  }
  parts.push(listenButton(answer)); // issue 17 item 6 hook: "Nghe"
  parts.push(referencePictures(answer)); // issue 17 item 7 hook: example photos of the disease
  parts.push(details(answer));
  return h('article', { class: `answer ${answer.status}`, 'data-testid': 'answer', 'data-status': answer.status, 'data-label': answer.label }, parts);
}

/**
 * The "was this right?" box. record.feedback is {verdict, label} once given; classes: [{label, en, vi}] of the crop;
 * give({verdict, label}) stores and sends it.
 */
export function feedbackBox(record, classes, give) {
  const box = h('section', { class: 'feedback', 'data-testid': 'feedback' });
  if (record.feedback) {
    const chosen = classes.find((c) => c.label === record.feedback.label);
    box.append(h('p', { 'data-testid': 'feedback-given' }, record.feedback.verdict === 'right'
      ? t('feedback.givenRight')
      : t('feedback.givenWrong', { label: chosen ? pick(chosen) : t('feedback.dontKnow') })));
    return box;
  }
  const picker = h('div', { class: 'picker', hidden: true, 'data-testid': 'feedback-picker' },
    h('p', {}, t('feedback.pick')),
    classes.map((c) => h('button', { type: 'button', class: 'choice', 'data-label': c.label, onclick: () => give({ verdict: 'wrong', label: c.label }) },
      h('span', { class: 'main' }, lang() === 'vi' ? c.vi : c.en))),
    h('button', { type: 'button', class: 'choice', 'data-label': '', onclick: () => give({ verdict: 'wrong', label: null }) }, t('feedback.dontKnow')));
  const leaves = record.combined && record.leafPhotos ? record.leaves.filter((l) => l.result).length : 0;
  box.append(
    h('p', { class: 'question' }, t('feedback.question')),
    leaves > 0 && h('p', { class: 'note', 'data-testid': 'feedback-leaves' }, t('feedback.leaves', { count: leaves })),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'right', 'data-testid': 'feedback-right', onclick: () => give({ verdict: 'right', label: null }) }, t('feedback.right')),
      h('button', { type: 'button', class: 'wrong', 'data-testid': 'feedback-wrong', onclick: () => { picker.hidden = false; } }, t('feedback.wrong'))),
    picker);
  return box;
}
