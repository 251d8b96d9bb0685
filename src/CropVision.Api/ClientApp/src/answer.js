// The answer card: what the model said about one photo, in the farmer's words, and the "was this right?" box.
import { h } from './dom.js';
import { lang, pick, t } from './i18n.js';
import { listenButton } from './speak.js'; // issue 17 item 6 hook
import { referencePictures } from './references.js'; // issue 17 item 7 hook

/** Confidence in plain words: the bands are the same for every answer so that words keep one meaning. */
export function confidenceWords(p) {
  if (p >= 0.9) return t('answer.confidence.high');
  if (p >= 0.7) return t('answer.confidence.medium');
  return t('answer.confidence.low');
}

/** A name in the current language large, the other language small. */
const twoNames = (item, cls = 'name') => {
  const main = lang() === 'vi' ? item.vi : item.en;
  const second = lang() === 'vi' ? item.en : item.vi;
  return h('div', { class: cls }, h('span', { class: 'main', 'data-testid': 'answer-name' }, main), h('span', { class: 'second' }, second));
};

export const photoTips = () =>
  h('section', { class: 'tips', 'data-testid': 'tips' },
    h('h3', {}, t('tips.title')),
    h('ul', {}, ['tips.oneLeaf', 'tips.fill', 'tips.daylight', 'tips.focus'].map((k) => h('li', {}, t(k)))));

/** cropName: {en, vi}. */
export function answerCard(answer, cropName) {
  const parts = [];
  const advice = () => h('section', { class: 'advice' }, h('h3', {}, t('answer.advice')), h('p', { 'data-testid': 'advice' }, pick(answer.advice)));
  if (answer.status === 'rejected') {
    parts.push(
      h('p', { class: 'verdict', 'data-testid': 'rejected' }, t('answer.rejected', { crop: pick(cropName).toLowerCase() })),
      h('p', {}, t('answer.rejectedHelp')),
      photoTips());
  } else if (answer.status === 'uncertain') {
    parts.push(
      h('p', { class: 'verdict', 'data-testid': 'uncertain' }, t('answer.uncertain')),
      h('ol', { class: 'candidates' }, answer.predictions.slice(0, 2).map((p) =>
        h('li', {}, twoNames(p), h('span', { class: 'confidence' }, `${confidenceWords(p.probability)} (${Math.round(p.probability * 100)}%)`)))),
      h('p', {}, t('answer.uncertainHelp')),
      photoTips());
  } else {
    const top = answer.predictions[0];
    parts.push(
      twoNames(top),
      h('p', { class: 'confidence', 'data-testid': 'confidence' }, `${confidenceWords(answer.confidence)} (${Math.round(answer.confidence * 100)}%)`),
      answer.severity && h('p', { class: 'severity', 'data-testid': 'severity' }, t('answer.severity', { grade: pick(answer.severity) })),
      answer.otherStresses?.length > 0 && h('p', { class: 'others', 'data-testid': 'others' }, t('answer.others', { list: answer.otherStresses.map((s) => pick(s)).join(', ') })),
      advice());
  }
  parts.push(listenButton(answer)); // issue 17 item 6 hook: "Nghe"
  parts.push(referencePictures(answer)); // issue 17 item 7 hook: example photos of the disease
  parts.push(h('p', { class: 'model' }, t('answer.model', { name: answer.model.name, version: answer.model.version })));
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
      h('span', { class: 'main' }, lang() === 'vi' ? c.vi : c.en), h('span', { class: 'second' }, lang() === 'vi' ? c.en : c.vi))),
    h('button', { type: 'button', class: 'choice', 'data-label': '', onclick: () => give({ verdict: 'wrong', label: null }) }, t('feedback.dontKnow')));
  box.append(
    h('p', { class: 'question' }, t('feedback.question')),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'right', 'data-testid': 'feedback-right', onclick: () => give({ verdict: 'right', label: null }) }, t('feedback.right')),
      h('button', { type: 'button', class: 'wrong', 'data-testid': 'feedback-wrong', onclick: () => { picker.hidden = false; } }, t('feedback.wrong'))),
    picker);
  return box;
}
