// History page (#/history): every diagnosis kept on this phone, newest first, with its answer and the farmer's verdict.
import { answerCard, feedbackBox } from '../answer.js';
import { giveFeedback, onHistoryChange } from '../diagnosis.js';
import { history } from '../db.js';
import { h, render } from '../dom.js';
import { lang, pick, t } from '../i18n.js';
import { classesOf, findCrop, loadModels } from '../models.js';
import { forget } from '../queue.js';
import { addPage, notify, refresh } from '../shell.js';

let records = null;
let models = null;
const urls = new Map(); // thumbnail object URLs, made once per record

const thumbUrl = (r) => {
  if (!urls.has(r.id)) urls.set(r.id, URL.createObjectURL(r.thumb));
  return urls.get(r.id);
};

function entry(r) {
  const when = new Date(r.at).toLocaleString(lang() === 'vi' ? 'vi-VN' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' });
  const a = r.answer;
  return h('li', { class: r.pending ? 'entry pending' : 'entry', 'data-testid': 'history-entry', 'data-pending': String(!!r.pending), 'data-status': a?.status ?? '' },
    h('details', {},
      h('summary', {},
        h('img', { src: thumbUrl(r), alt: '', width: '56', height: '56' }),
        h('span', { class: 'what' }, h('span', { class: 'main', 'data-testid': 'history-title' }, title(r)), h('span', { class: 'second' }, r.feedback ? `${when} · ${t(r.feedback.verdict === 'right' ? 'feedback.right' : 'feedback.wrong')}` : when),
          r.onDevice && h('span', { class: 'badge', 'data-testid': 'history-ondevice' }, t('history.onDevice')))),
      r.serviceAnswer && h('p', { class: 'message', 'data-testid': 'history-service' }, t('history.serviceSays', { answer: serviceTitle(r) })),
      a && answerCard(a, r.cropName),
      a && feedbackBox(r, classesOf(findCrop(models, r.crop)), async (f) => { await giveFeedback(r, f).catch(() => {}); load(); }),
      h('button', { type: 'button', class: 'button delete', 'data-testid': 'history-delete', onclick: () => remove(r) }, t('history.delete'))));
}

/** The entry's title as it was answered: an uncertain answer stays "not sure: A or B", never the first guess alone. */
function title(r) {
  const a = r.answer;
  if (!a) return t('history.pending');
  if (a.status === 'rejected') return t('answer.rejected', { crop: pick(r.cropName).toLowerCase() });
  if (a.status === 'uncertain') return t('history.uncertain', { a: pick(a.predictions[0]), b: pick(a.predictions[1]) });
  return pick(a.predictions[0]);
}

/** The service's answer to a photo the phone answered, when it differs: in the catalogue's words, never a bare id. */
function serviceTitle(r) {
  const s = r.serviceAnswer;
  if (s.status === 'rejected') return t('answer.rejected', { crop: pick(r.cropName).toLowerCase() });
  const entry = classesOf(findCrop(models, r.crop)).find((c) => c.label === s.label)
    ?? r.deviceAnswer?.predictions?.find((p) => p.label === s.label);
  const name = entry ? pick(entry) : t('history.otherDisease');
  return s.status === 'uncertain' ? t('history.serviceUnsure', { name }) : name;
}

/** Deletes a diagnosis from this phone, with its queued upload or verdict. */
async function remove(r) {
  await forget(r.id);
  await history.delete(r.id);
  URL.revokeObjectURL(urls.get(r.id));
  urls.delete(r.id);
  notify(t('history.deleted'));
  await load();
}

function show(main) {
  if (records === null) { render(main, h('p', { class: 'boot' }, '…')); return; }
  render(main,
    h('h2', {}, t('history.title')),
    records.length === 0 ? h('p', {}, t('history.empty')) : h('ul', { class: 'history' }, records.map(entry)));
}

async function load() {
  records = (await history.all()).reverse();
  models = await loadModels().catch(() => null);
  if (location.hash === '#/history') refresh();
}

onHistoryChange(load);
addPage('#/history', 'nav.history', (main) => { show(main); if (records === null) load(); });
