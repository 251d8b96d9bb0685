// The "download for offline use" panel on the diagnose page: the size to download, a progress bar, then a note that
// answers can be made on the phone. Also a small test/diagnostic handle (window.cropvisionOnDevice).
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { refresh } from '../shell.js';
import * as model from './model.js';

const state = new Map(); // crop -> { stored, served, size, progress, error, checking }
const mb = (bytes) => (bytes / 1048576).toFixed(1).replace('.', t('ondevice.decimal'));

async function check(crop) {
  const s = state.get(crop);
  s.stored = await model.stored(crop);
  s.served = await model.served(crop);
  s.size = s.served ? await model.downloadSize(s.served) : 0;
  s.checking = false;
  refresh();
}

async function start(crop) {
  const s = state.get(crop);
  s.error = null; s.progress = 0;
  refresh();
  try {
    s.stored = await model.download(s.served, (f) => { s.progress = f; refresh(); });
    s.size = 0;
    await model.load(crop); // compile now, so the first answer is quick
  } catch (e) {
    s.error = String(e.message ?? e);
  }
  s.progress = null;
  refresh();
}

/** The panel for a crop (null while checking, or when neither the phone nor the service has a browser model). */
export function offlinePanel(crop) {
  if (!crop || typeof caches === 'undefined') return null;
  if (!state.has(crop)) { state.set(crop, { checking: true }); check(crop); }
  const s = state.get(crop);
  if (s.checking) return null;
  const newer = s.served && (!s.stored || s.stored.version !== s.served.version || s.size > 0);
  if (!s.stored && !s.served) return null;
  return h('section', { class: 'ondevice', 'data-testid': 'ondevice' },
    s.stored && !newer && h('p', { 'data-testid': 'ondevice-ready' }, t('ondevice.ready')),
    s.progress != null
      ? [h('progress', { max: '100', value: String(Math.round(s.progress * 100)), 'data-testid': 'ondevice-progress' }),
        h('p', { role: 'status' }, t('ondevice.downloading', { percent: Math.round(s.progress * 100) }))]
      : newer && h('button', { type: 'button', class: 'button', 'data-testid': 'ondevice-download', onclick: () => start(crop) },
        t(s.stored ? 'ondevice.update' : 'ondevice.download', { size: mb(s.size) })),
    s.error && h('p', { class: 'message', role: 'alert' }, t('ondevice.failed', { detail: s.error })));
}

/** Whether the phone can answer for this crop now. */
export const canAnswer = async (crop) => typeof caches !== 'undefined' && !!(await model.stored(crop));

window.cropvisionOnDevice = model;

/** The small note under an answer made on the phone. */
export const deviceNote = (answer) => (answer?.onDevice ? h('p', { class: 'ondevice-note', 'data-testid': 'ondevice-note' }, t('ondevice.note')) : null);
