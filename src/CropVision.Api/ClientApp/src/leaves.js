// Several leaves, one answer (#/leaves; issue 17, item 3): the farmer adds 2-6 photos of leaves of one plant or plot,
// POST /v1/predict/combined answers them together, and each leaf's own result sits in a fold under the combined card.
// Linked from the diagnose page by leaves-link.js (under the camera buttons); main.js imports this page after the others.
import { answerCard, confidenceWords } from './answer.js';
import { NetworkError, ProblemError, retryAfterSeconds } from './api.js';
import { history, newId } from './db.js';
import { h, render } from './dom.js';
import { pick, t } from './i18n.js';
import { cropName, findCrop, loadModels } from './models.js';
import { shrinkPhoto } from './photo.js';
import { enqueue, handle } from './queue.js';
import { addPage, notify, refresh } from './shell.js';
import './leaves.css';

export const minLeaves = 2;
export const maxLeaves = 6;
const cropKey = 'cropvision.crop'; // the diagnose page's choice of crop

// Page state outside the DOM (a language switch re-renders it): leaves [{photo, thumb, url}], the answer, a message.
const state = { leaves: [], busy: false, result: null, record: null, message: null };

async function add(files) {
  state.message = null;
  for (const file of files) {
    if (state.leaves.length >= maxLeaves) break;
    try {
      const shrunk = await shrinkPhoto(file);
      state.leaves.push({ photo: shrunk.photo, thumb: shrunk.thumb, url: URL.createObjectURL(shrunk.thumb) });
    } catch {
      state.message = t('photo.unreadable');
    }
  }
  refresh();
}

function remove(i) {
  URL.revokeObjectURL(state.leaves[i].url);
  state.leaves.splice(i, 1);
  refresh();
}

function restart() {
  state.leaves.forEach((l) => URL.revokeObjectURL(l.url));
  Object.assign(state, { leaves: [], result: null, record: null, message: null });
  refresh();
}

/** POST /v1/predict/combined with every leaf photo as an 'image' part; one retry after a 503/429 (Retry-After). */
async function send(crop, photos) {
  const form = new FormData();
  photos.forEach((photo, i) => form.append('image', photo, `leaf-${i + 1}.jpg`));
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(`/v1/predict/combined?crop=${encodeURIComponent(crop)}`, { method: 'POST', body: form, headers: { Accept: 'application/json' } });
    } catch {
      throw new NetworkError('fetch failed');
    }
    const body = await response.json().catch(() => null);
    if (response.ok) return body;
    if ((response.status === 503 || response.status === 429) && attempt === 0) {
      await new Promise((r) => setTimeout(r, 1000 * Math.min(10, retryAfterSeconds(response.headers.get('Retry-After')) ?? 1)));
      continue;
    }
    throw new ProblemError(response.status, body);
  }
}

async function diagnose() {
  const models = await loadModels().catch(() => null);
  const crop = localStorage.getItem(cropKey) ?? models?.crops.find((c) => c.status === 'serving')?.crop ?? 'coffee';
  const name = cropName(findCrop(models, crop), crop);
  state.busy = true; state.message = null;
  refresh();
  // Kept in the history like a one-leaf answer (the first leaf's photo stands for the set; every leaf's result and
  // photo with it, so a verdict sends each leaf's photo: diagnosis.js).
  const record = {
    id: newId(), at: Date.now(), crop, cropName: name, photo: state.leaves[0].photo, thumb: state.leaves[0].thumb,
    leafPhotos: state.leaves.map((l) => l.photo), answer: null, leaves: [], combined: true, pending: true, feedback: null,
  };
  try {
    const result = await send(crop, record.leafPhotos);
    state.result = result;
    state.record = answered(record, result);
    await history.put(state.record).catch(() => {});
    changed();
  } catch (e) {
    if (e instanceof NetworkError) {
      // No network: the set is kept in history and sent when the network is back (queue.js), as one photo is.
      await history.put(record);
      await enqueue('combined', { historyId: record.id });
      changed();
      state.leaves.forEach((l) => URL.revokeObjectURL(l.url));
      state.leaves = [];
      state.message = t('leaves.queued', { count: record.leafPhotos.length });
    } else state.message = e instanceof ProblemError ? t('photo.refused', { detail: e.message }) : t('photo.unreadable');
  }
  state.busy = false;
  refresh();
  if (state.result) window.scrollTo(0, 0);
}

const changed = () => window.dispatchEvent(new CustomEvent('cropvision:history'));

/** The history record with the service's combined answer and each leaf's result. */
function answered(record, result) {
  return Object.assign(record, {
    answer: result.combined, leaves: result.leaves.map((l) => ({ used: l.used, result: l.result, error: l.error })), pending: false,
  });
}

// A set of leaves queued offline, sent when the network is back (also after the tab was closed and opened again).
handle('combined', async ({ payload }) => {
  const record = await history.get(payload.historyId);
  if (!record || !record.pending) return;
  answered(record, await send(record.crop, record.leafPhotos));
  record.arrivedOffline = true;
  await history.put(record);
  changed();
  notify(t('leaves.arrived'));
}, async ({ payload }, error) => {
  await history.delete(payload.historyId);
  changed();
  notify(t('photo.refused', { detail: error.message }));
});

/** One leaf's own result, in a line: its picture, the number, what it showed. */
function leafLine(item, i) {
  const r = item.result;
  const text = !r ? t('leaves.unreadable')
    : r.status === 'rejected' ? t('leaves.notUsed')
    : `${pick(r.predictions[0])} · ${confidenceWords(r.confidence)} (${Math.round(r.confidence * 100)}%)${r.severity ? ` · ${t('answer.severity', { grade: pick(r.severity) })}` : ''}`;
  return h('li', { class: 'leaf-result', 'data-testid': 'leaf-result', 'data-status': r?.status ?? 'error', 'data-label': r?.label ?? '', 'data-used': String(item.used) },
    state.leaves[i] && h('img', { src: state.leaves[i].url, alt: '', width: '48', height: '48' }),
    h('span', {}, h('strong', {}, t('leaves.leaf', { n: i + 1 })), ` ${text}`));
}

function answerView(name) {
  const { combined, leaves } = state.result;
  return [
    answerCard(combined, name),
    h('p', { class: 'note', 'data-testid': 'leaves-combined-of' },
      t('leaves.combinedOf', { used: combined.used.length, count: leaves.length }),
      combined.severity ? ` ${t('leaves.severityNote')}` : ''),
    h('details', { class: 'leaf-results', 'data-testid': 'leaf-results' },
      h('summary', {}, t('leaves.each', { count: leaves.length })),
      h('ol', {}, leaves.map(leafLine))),
    h('button', { type: 'button', class: 'button primary', 'data-testid': 'leaves-again', onclick: restart }, t('leaves.again')),
  ];
}

function picker() {
  const input = (capture, testid, multiple) => h('input', {
    type: 'file', accept: 'image/*', capture, multiple, class: 'visually-hidden', 'data-testid': testid,
    onchange: (e) => { const files = [...e.target.files]; e.target.value = ''; add(files); },
  });
  const full = state.leaves.length >= maxLeaves;
  return [
    h('ol', { class: 'leaf-list', 'data-testid': 'leaf-list' }, state.leaves.map((l, i) =>
      h('li', {}, h('img', { src: l.url, alt: t('leaves.leaf', { n: i + 1 }), width: '72', height: '72' }),
        h('button', { type: 'button', class: 'remove', 'aria-label': t('leaves.remove', { n: i + 1 }), onclick: () => remove(i) }, '×')))),
    h('p', { 'data-testid': 'leaves-count' }, t('leaves.count', { count: state.leaves.length, max: maxLeaves })),
    !full && h('div', { class: 'camera' },
      h('label', { class: 'button primary' }, input('environment', 'leaves-camera', false), t('leaves.add')),
      h('label', { class: 'button' }, input(null, 'leaves-gallery', true), t('leaves.addGallery'))),
    h('button', {
      type: 'button', class: 'button primary', 'data-testid': 'leaves-diagnose', disabled: state.leaves.length < minLeaves || state.busy, onclick: diagnose,
    }, t('leaves.diagnose', { count: state.leaves.length })),
    state.leaves.length < minLeaves && h('p', { class: 'note' }, t('leaves.needTwo')),
  ];
}

function show(main) {
  const name = state.record?.cropName ?? { en: '', vi: '' };
  render(main,
    h('h2', {}, t('leaves.title')),
    state.busy && h('section', { class: 'progress', 'data-testid': 'progress' }, h('progress', {}), h('p', { role: 'status' }, t('photo.analysing'))),
    state.message && h('p', { class: 'message', role: 'alert', 'data-testid': 'message' }, state.message),
    state.result ? answerView(name) : [h('p', {}, t('leaves.help')), picker()],
    h('a', { href: '#/', class: 'button', 'data-testid': 'leaves-back' }, t('leaves.back')));
}

addPage('#/leaves', null, show);
