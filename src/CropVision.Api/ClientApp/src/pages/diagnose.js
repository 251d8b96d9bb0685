// Diagnose page (#/): pick the crop, read the tips, take or pick a photo, see the answer, say whether it was right.
import { ProblemError } from '../api.js';
import { answerCard, feedbackBox, photoTips } from '../answer.js';
import { diagnose, giveFeedback } from '../diagnosis.js';
import { h, render } from '../dom.js';
import { pick, t } from '../i18n.js';
import { classesOf, cropName, findCrop, loadModels } from '../models.js';
import { checkPhoto, problems } from '../quality.js';
import { addPage, refresh } from '../shell.js';
import { deviceNote, offlinePanel } from '../ondevice/ui.js'; // diagnosis on the phone (issue 17)
import { addLeavesLink } from '../leaves-link.js'; // issue 17 item 3 hook

const cropKey = 'cropvision.crop';
// Page state, kept outside the DOM so a language switch re-renders it as it was.
const state = { models: null, loadFailed: false, crop: localStorage.getItem(cropKey), busy: null, record: null, message: null, feedbackNote: null, coach: null };

const serving = (c) => c.status === 'serving';

function cropPicker() {
  return h('section', { class: 'crops' },
    h('h2', {}, t('crop.pick')),
    h('div', { class: 'crop-list', role: 'radiogroup' }, state.models.crops.map((c) =>
      h('button', {
        type: 'button', class: 'crop', role: 'radio', 'aria-checked': String(c.crop === state.crop), disabled: !serving(c),
        'data-crop': c.crop, onclick: () => { state.crop = c.crop; localStorage.setItem(cropKey, c.crop); state.record = null; refresh(); },
      }, h('span', { class: 'main' }, pick(c, 'name')), !serving(c) && h('span', { class: 'badge', 'data-testid': 'no-model' }, t('crop.noModel'))))));
}

/** Where the model learnt, folded behind "Mô hình học từ đâu?" so the camera comes first. */
function trainedOn(info) {
  return info?.trainedOn ? h('details', { class: 'about', 'data-testid': 'about' },
    h('summary', {}, t('crop.about')),
    h('p', { class: 'trained-on', 'data-testid': 'trained-on' }, t('crop.trainedOn', { text: pick(info.trainedOn) }))) : null;
}

function cameraButtons(takeKey = state.record ? 'photo.again' : 'photo.take') {
  const input = (capture, testid) => h('input', {
    type: 'file', accept: 'image/*', capture, class: 'visually-hidden', 'data-testid': testid,
    onchange: (e) => { const file = e.target.files[0]; e.target.value = ''; if (file) check(file); },
  });
  return h('div', { class: 'camera' },
    h('label', { class: 'button primary' }, input('environment', 'camera-input'), t(takeKey)),
    h('label', { class: 'button' }, input(null, 'gallery-input'), t('photo.gallery')),
    addLeavesLink()); // issue 17 item 3 hook: several leaves, one answer
}

/** Checks the photo on the phone first (dark, blurry, small): a tip and a choice, or straight on to the diagnosis. */
async function check(file) {
  state.record = null; state.message = null; state.feedbackNote = null; state.coach = null;
  state.busy = { phase: 'preparing' };
  refresh();
  let found = [];
  try { found = problems(await checkPhoto(file)); } catch { /* unreadable: run() says so */ }
  if (found.length === 0) return run(file);
  state.coach = { file, found };
  state.busy = null;
  refresh();
}

function coachView() {
  const { file, found } = state.coach;
  const send = () => { state.coach = null; run(file); };
  return h('section', { class: 'coach', role: 'alert', 'data-testid': 'coach', 'data-problems': found.join(' ') },
    found.map((k) => [h('p', { class: 'verdict', 'data-testid': `coach-${k}` }, t(`coach.${k}`)), h('p', {}, t(`coach.${k}Tip`))]),
    cameraButtons('coach.retake'),
    h('button', { type: 'button', class: 'button', 'data-testid': 'coach-send', onclick: send }, t('coach.send')));
}

const shotButtons = () => !state.busy && (state.coach ? coachView() : cameraButtons());

function progressView() {
  const b = state.busy;
  const text = b.phase === 'uploading' ? t('photo.uploading', { percent: b.percent ?? 0 })
    : b.phase === 'retrying' ? t('photo.retrying', { seconds: b.seconds })
    : t(`photo.${b.phase}`);
  return h('section', { class: 'progress', 'data-testid': 'progress' },
    h('progress', { max: '100', value: b.phase === 'uploading' ? String(b.percent ?? 0) : b.phase === 'analysing' ? '100' : null }),
    h('p', { role: 'status' }, text));
}

async function run(file) {
  const info = findCrop(state.models, state.crop);
  state.record = null; state.message = null; state.feedbackNote = null;
  state.busy = { phase: 'preparing' };
  refresh();
  try {
    const record = await diagnose(file, state.crop, cropName(info, state.crop), (p) => { state.busy = p; refresh(); });
    if (record.pending) state.message = t('photo.queued');
    else state.record = record;
  } catch (e) {
    state.message = !(e instanceof ProblemError) ? t('photo.unreadable')
      : e.status === 413 ? t('photo.tooLarge')
      : e.status === 415 ? t('photo.notImage')
      : t('photo.refused', { detail: e.message });
  }
  state.busy = null;
  refresh();
  if (state.record) window.scrollTo(0, 0); // the answer is at the top
}

async function onFeedback(feedback) {
  state.feedbackNote = t('feedback.sending');
  refresh();
  try {
    state.feedbackNote = (await giveFeedback(state.record, feedback)) === 'queued' ? t('feedback.queued') : t('feedback.thanks');
  } catch (e) {
    state.feedbackNote = t('feedback.failed', { detail: e.message });
  }
  refresh();
}

function show(main) {
  if (!state.models) {
    render(main, state.loadFailed
      ? h('section', { class: 'error' }, h('p', {}, t('app.loadFailed')), h('button', { type: 'button', class: 'button', onclick: load }, t('app.retry')))
      : h('p', { class: 'boot' }, '…'));
    return;
  }
  const info = findCrop(state.models, state.crop);
  const answer = state.record?.answer;
  const status = [
    state.busy && progressView(),
    state.message && h('p', { class: 'message', role: 'alert', 'data-testid': 'message' }, state.message),
  ];
  if (!answer) {
    // Before a shot: the camera first (above the fold on a 360x640 phone), then the crop, the tips, the model's source.
    render(main, status, shotButtons(), cropPicker(), photoTips(), offlinePanel(state.crop) /* issue 17 */, trainedOn(info));
    return;
  }
  // After a shot the answer comes first (a rejected or uncertain card carries the tips itself), then the next shot.
  render(main,
    status,
    answerCard(answer, state.record.cropName),
    deviceNote(answer), // issue 17: answered on the phone
    feedbackBox(state.record, classesOf(info), onFeedback),
    state.feedbackNote && h('p', { class: 'message', role: 'status', 'data-testid': 'feedback-note' }, state.feedbackNote),
    shotButtons(),
    cropPicker(),
    trainedOn(info));
}

async function load() {
  state.loadFailed = false;
  try {
    state.models = await loadModels();
    const servingCrops = state.models.crops.filter(serving);
    if (!servingCrops.some((c) => c.crop === state.crop)) state.crop = servingCrops[0]?.crop ?? null;
  } catch {
    state.loadFailed = true;
  }
  refresh();
}

addPage('#/', 'nav.diagnose', show);
load();
