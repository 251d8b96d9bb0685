// Moving an observation to another plot and correcting its position (then the officer's), from the survey page.
import { h, render } from '../../dom.js';
import { t } from '../../i18n.js';
import { officerApi } from '../api.js';
import { reason } from '../session.js';

/** A small form for observation o of survey id; plots: the team's plots (for the list of codes); onSaved(observation). */
export function observationEdit(id, o, plots, onSaved) {
  const status = h('span', { role: 'status' });
  const listId = `plots-${o.id}`;
  const plot = h('input', { name: 'plot', value: o.plotCode ?? '', list: listId, maxlength: 100, 'data-testid': 'edit-plot' });
  const lat = h('input', { name: 'latitude', value: o.latitude ?? '', inputmode: 'decimal', 'data-testid': 'edit-latitude' });
  const lon = h('input', { name: 'longitude', value: o.longitude ?? '', inputmode: 'decimal', 'data-testid': 'edit-longitude' });
  const here = () => navigator.geolocation?.getCurrentPosition(
    (p) => { lat.value = p.coords.latitude.toFixed(6); lon.value = p.coords.longitude.toFixed(6); },
    (e) => render(status, t('officer.error', { reason: e.message })), { enableHighAccuracy: true, timeout: 20000 });
  const submit = async (e) => {
    e.preventDefault();
    const body = {};
    if (plot.value.trim() !== (o.plotCode ?? '')) body.plotCode = plot.value.trim();
    const [la, lo] = [lat.value.trim().replace(',', '.'), lon.value.trim().replace(',', '.')];
    if (la && lo && (Number(la) !== o.latitude || Number(lo) !== o.longitude)) Object.assign(body, { latitude: Number(la), longitude: Number(lo) });
    if (!Object.keys(body).length) return;
    try { const saved = await officerApi.review(id, o.id, body); Object.assign(o, saved); render(status, t('officer.saved')); onSaved?.(saved); } catch (err) { render(status, t('officer.error', { reason: reason(err) })); }
  };
  return h('form', { class: 'observation-edit', 'data-testid': 'observation-edit', onsubmit: submit },
    h('datalist', { id: listId }, plots.map((p) => h('option', { value: p.code }, p.name ?? ''))),
    h('label', {}, t('officer.plotCode'), plot),
    h('label', {}, t('officer.latitude'), lat), h('label', {}, t('officer.longitude'), lon),
    h('p', { class: 'actions' },
      h('button', { type: 'button', class: 'button', onclick: here }, t('officer.myPosition')),
      h('button', { type: 'submit', class: 'button', 'data-testid': 'edit-save' }, t('officer.save'))),
    status);
}
