// History page (#/history): every diagnosis kept on this phone, newest first, with its answer and the farmer's verdict.
import { answerCard, feedbackBox } from '../answer.js';
import { giveFeedback, onHistoryChange } from '../diagnosis.js';
import { history } from '../db.js';
import { h, render } from '../dom.js';
import { lang, t } from '../i18n.js';
import { classesOf, findCrop, loadModels } from '../models.js';
import { addPage, refresh } from '../shell.js';

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
  const title = !a ? t('history.pending')
    : a.status === 'rejected' ? t('answer.rejected', { crop: (lang() === 'vi' ? r.cropName.vi : r.cropName.en).toLowerCase() })
    : lang() === 'vi' ? a.predictions[0].vi : a.predictions[0].en;
  return h('li', { class: r.pending ? 'entry pending' : 'entry', 'data-testid': 'history-entry', 'data-pending': String(!!r.pending) },
    h('details', {},
      h('summary', {},
        h('img', { src: thumbUrl(r), alt: '', width: '56', height: '56' }),
        h('span', { class: 'what' }, h('span', { class: 'main', 'data-testid': 'history-title' }, title), h('span', { class: 'second' }, r.feedback ? `${when} · ${t(r.feedback.verdict === 'right' ? 'feedback.right' : 'feedback.wrong')}` : when))),
      a && answerCard(a, r.cropName),
      a && feedbackBox(r, classesOf(findCrop(models, r.crop)), async (f) => { await giveFeedback(r, f).catch(() => {}); load(); })));
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
