// "Thêm quan sát" on a survey page, made for the field: photos from the camera, the phone's position (with its accuracy;
// the API keeps a photo's own EXIF GPS first, so "Dùng vị trí của tôi" fills in for photos that lack it), plot and
// notes. Each photo becomes one capture in IndexedDB (captures.js) with its own idempotency key, then the queue is sent
// one capture at a time with progress: at once when online, else on the online event or when a page opens. The API
// honours the key, so a capture sent twice (an answer lost, two tabs) is still one observation.
import { h, render } from '../../dom.js';
import { t } from '../../i18n.js';
import { NetworkError, ProblemError } from '../../api.js';
import { officerApi } from '../api.js';
import { captures, newKey } from '../captures.js';
import { problemText } from '../problems.js';

const listeners = new Set();
let sending = null;
let progress = null; // {done, total, fraction} while sending
let position = null; // the last fix, kept across re-renders of the page
let plotCode = '';

const changed = () => listeners.forEach((f) => f());

/** Sends every waiting capture it can, oldest first; stops at the first the network cannot take. Answers how many went. */
export function sendWaiting() {
  sending ??= (async () => {
    let sent = 0;
    try {
      const waiting = (await captures.all()).filter((c) => !c.error);
      for (const [i, c] of waiting.entries()) {
        progress = { done: i, total: waiting.length, fraction: 0 };
        changed();
        try {
          await officerApi.addCapture(c.surveyId, c.photo, c.name, c.fields, c.key, (f) => { progress.fraction = f; changed(); });
          await captures.delete(c.key);
          sent++;
        } catch (e) {
          if (e instanceof NetworkError) break;
          if (!(e instanceof ProblemError) || e.status === 401 || e.status === 408 || e.status === 429 || e.status >= 500) break; // later
          await captures.put({ ...c, error: { code: e.problem?.code ?? null, status: e.status } }); // refused for good: the officer decides
        }
      }
    } finally {
      sending = null;
      progress = null;
      changed();
      if (sent > 0) window.dispatchEvent(new CustomEvent('cropvision:captures-sent', { detail: sent }));
    }
    return sent;
  })();
  return sending;
}

window.addEventListener('online', () => sendWaiting());

const fixed = (n) => n.toFixed(5);

/** The capture form and the survey's queue; refresh() re-reads the page once captures of this survey went. */
export function captureSection(surveyId, refresh) {
  const photos = h('input', { type: 'file', accept: 'image/*', capture: 'environment', multiple: true, 'data-testid': 'capture-photo', onchange: () => showChosen() });
  const chosen = h('span', { 'data-testid': 'capture-chosen' });
  const where = h('p', { 'data-testid': 'capture-position' });
  const plot = h('input', { name: 'plot', value: plotCode, autocomplete: 'off', 'data-testid': 'capture-plot', oninput: () => { plotCode = plot.value; } });
  const notes = h('textarea', { name: 'notes', rows: 2, 'data-testid': 'capture-notes' });
  const message = h('p', { role: 'status', 'data-testid': 'capture-message' });
  const queue = h('div', { class: 'queue', 'data-testid': 'capture-queue' });

  const showChosen = () => render(chosen, photos.files.length ? t('officer.photosChosen', { count: photos.files.length }) : '');
  const showPosition = () => render(where, position
    ? t('officer.position', { lat: fixed(position.lat), lon: fixed(position.lon), accuracy: Math.round(position.accuracy) })
    : t('officer.positionNone'));
  const locate = () => {
    render(where, t('officer.positionWaiting'));
    navigator.geolocation.getCurrentPosition(
      (p) => { position = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy }; showPosition(); },
      () => render(where, t('officer.positionFailed')),
      { enableHighAccuracy: true, timeout: 30_000, maximumAge: 60_000 });
  };
  const save = async () => {
    if (!photos.files.length) { render(message, t('officer.choosePhoto')); return; }
    for (const file of [...photos.files]) {
      const fields = {
        plot: plot.value.trim(), notes: notes.value.trim(),
        latitude: position?.lat, longitude: position?.lon,
        takenAt: new Date(file.lastModified || Date.now()).toISOString(), // a camera photo's file time is when it was taken
      };
      await captures.put({ key: newKey(), surveyId, photo: file, name: file.name || 'photo.jpg', fields, at: Date.now() });
    }
    photos.value = '';
    notes.value = '';
    showChosen();
    render(message);
    await showQueue();
    sendWaiting();
  };

  const showQueue = async () => {
    if (!queue.isConnected && queue.dataset.drawn) { listeners.delete(onChange); return; } // the page moved on
    queue.dataset.drawn = '1';
    const mine = await captures.all(surveyId);
    const waiting = mine.filter((c) => !c.error);
    const refused = mine.filter((c) => c.error);
    render(queue,
      h('p', { 'data-testid': 'queue-count', 'data-count': waiting.length }, waiting.length ? t('officer.queueWaiting', { count: waiting.length }) : t('officer.queueEmpty')),
      progress ? h('p', {}, t('officer.queueSending', { done: progress.done, total: progress.total })) : null,
      progress ? h('progress', { max: 1, value: (progress.done + progress.fraction) / progress.total, 'data-testid': 'queue-progress' }) : null,
      refused.length ? h('ul', { class: 'problems', 'data-testid': 'queue-refused' }, refused.map((c) => h('li', {},
        `${c.name}: ${t('officer.queueFailed', { reason: problemText(c.error) })} `,
        h('button', { type: 'button', class: 'button', onclick: async () => { await captures.delete(c.key); showQueue(); } }, t('officer.queueDrop'))))) : null);
  };
  const onChange = () => { showQueue(); };
  listeners.add(onChange);
  // Sent (after saving, on the online event, on page open): the page re-reads its observations, map and summary.
  const onSent = () => { window.removeEventListener('cropvision:captures-sent', onSent); if (queue.isConnected) refresh(); };
  window.addEventListener('cropvision:captures-sent', onSent);

  showPosition();
  showQueue();
  // On page open: whatever waits (this survey's or another's) goes now if it can.
  sendWaiting();

  return h('section', { class: 'card capture', 'data-testid': 'capture' },
    h('h2', {}, t('officer.capture')),
    h('p', { class: 'hint' }, t('officer.captureHint')),
    h('div', { class: 'row' }, h('label', { class: 'button primary' }, t('officer.takePhoto'), photos), chosen),
    h('div', { class: 'row' }, h('button', { type: 'button', class: 'button', 'data-testid': 'capture-locate', onclick: locate }, t('officer.useMyPosition'))),
    where,
    h('label', {}, t('officer.plot'), plot),
    h('label', {}, t('officer.notes'), notes),
    h('button', { type: 'button', class: 'button primary', 'data-testid': 'capture-save', onclick: save }, t('officer.saveObservation')),
    message, queue);
}
