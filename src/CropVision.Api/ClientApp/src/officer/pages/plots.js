// The team's plots (#/plots): list, create, edit, a boundary drawn by tapping corners on the map, delete after asking.
import * as L from 'leaflet';
import '../records.css';
import { h, render } from '../../dom.js';
import { lang, t } from '../../i18n.js';
import { ProblemError } from '../../api.js';
import { drawMap } from '../map.js';
import { allPlots, plotsApi } from '../plots-api.js';
import { drawPlots, latLngsOf } from '../plot-layer.js';
import { reason, session, shell } from '../session.js';

const area = (m2) => (m2 == null ? '' : t('officer.plotAreaValue', { area: Math.round(m2).toLocaleString(lang() === 'vi' ? 'vi-VN' : 'en-GB') }));

export async function plotsPage(editing = null) {
  const plots = await allPlots();
  const status = h('p', { role: 'status', 'data-testid': 'plot-status' });
  const form = h('section', { class: 'card' });
  shell(
    h('p', {}, h('a', { href: '#/' }, t('officer.back'))),
    h('section', {}, h('h2', {}, t('officer.plotsTitle')),
      h('p', { 'data-testid': 'plots-count' }, t('officer.plotsCount', { shown: plots.length, total: plots.length })),
      plots.length === 0 ? h('p', {}, t('officer.noPlots')) : h('ul', { class: 'plots', 'data-testid': 'plots' }, plots.map((p) => card(p, status)))),
    status,
    form);
  const plot = editing ? plots.find((p) => p.id === editing) ?? null : null;
  editor(form, plot, status, plots.filter((p) => p !== plot));
}

function card(p, status) {
  return h('li', { class: 'card plot', 'data-testid': 'plot' },
    h('strong', { 'data-testid': 'plot-card-code' }, p.code), p.name ? ` · ${p.name}` : '',
    h('br'), [p.commune, p.owner, area(p.areaM2)].filter(Boolean).join(' · '),
    p.areaSource === 'boundary' ? ` (${t('officer.plotAreaFromBoundary')})` : '',
    h('p', { class: 'actions' },
      h('button', { type: 'button', class: 'button', 'data-testid': 'plot-edit', onclick: () => plotsPage(p.id) }, t('officer.edit')),
      h('button', {
        type: 'button', class: 'button', 'data-testid': 'plot-delete',
        onclick: async () => {
          if (!window.confirm(t('officer.plotDeleteConfirm', { code: p.code }))) return;
          try { await plotsApi.remove(p.id); await plotsPage(); } catch (e) { render(status, t('officer.error', { reason: reason(e) })); }
        },
      }, t('officer.delete'))));
}

/** The create/edit form with its boundary map; plot null: a new plot; others: the team's other plots, drawn for orientation. */
function editor(el, plot, status, others) {
  const field = (name, label, value, attrs = {}) => {
    const input = h('input', { name, value: value ?? '', 'data-testid': `plot-${name}`, ...attrs });
    return [h('label', {}, label, input), input];
  };
  const [codeLabel, code] = field('code', t('officer.plotCode'), plot?.code, { required: true, maxlength: 100 });
  const [nameLabel, name] = field('name', t('officer.plotName'), plot?.name, { maxlength: 200 });
  const [communeLabel, commune] = field('commune', t('officer.commune'), plot?.commune, { maxlength: 100 });
  const [ownerLabel, owner] = field('owner', t('officer.plotOwner'), plot?.owner, { maxlength: 100 });
  const [areaLabel, areaInput] = field('area', t('officer.plotArea'), plot?.areaSource === 'entered' ? plot.areaM2 : '', { type: 'number', min: 1, step: 'any', inputmode: 'decimal' });
  const corners = h('span', { 'data-testid': 'plot-corners' });
  const mapEl = h('div', { class: 'map', 'data-testid': 'plot-map' });
  // Corners as [lat, lon]; the outer ring of an existing Polygon.
  let points = plot?.boundary?.type === 'Polygon' ? latLngsOf(plot.boundary)[0].slice(0, -1) : [];
  let cleared = false;

  const submit = async (e) => {
    e.preventDefault();
    const body = { code: code.value, name: name.value, commune: commune.value, owner: owner.value };
    if (points.length >= 3) body.boundary = { type: 'Polygon', coordinates: [[...points, points[0]].map(([lat, lon]) => [lon, lat])] };
    else if (plot && cleared) body.clearBoundary = true;
    if (areaInput.value) body.areaM2 = Number(areaInput.value);
    try {
      const saved = plot ? await plotsApi.update(plot.id, body) : await plotsApi.create(body);
      await plotsPage();
      render(document.querySelector('[data-testid=plot-status]'), t('officer.plotSaved', { code: saved.code }));
    } catch (err) {
      render(status, err instanceof ProblemError && err.status === 409 ? t('officer.plotCodeTaken', { code: code.value }) : t('officer.error', { reason: reason(err) }));
    }
  };
  render(el,
    h('h2', {}, plot ? `${t('officer.edit')}: ${plot.code}` : t('officer.newPlot')),
    h('form', { class: 'plot-form', 'data-testid': 'plot-form', onsubmit: submit },
      codeLabel, nameLabel, communeLabel, ownerLabel, areaLabel,
      h('p', {}, t('officer.plotBoundary'), ' · ', corners), h('p', {}, t('officer.plotBoundaryHint')), mapEl,
      h('p', { class: 'actions' },
        h('button', { type: 'button', class: 'button', 'data-testid': 'plot-undo-corner', onclick: () => { points.pop(); redraw(); } }, t('officer.plotUndoCorner')),
        h('button', { type: 'button', class: 'button', 'data-testid': 'plot-clear-boundary', onclick: () => { points = []; cleared = true; redraw(); } }, t('officer.plotClearBoundary'))),
      h('p', { class: 'actions' },
        h('button', { type: 'submit', class: 'button right', 'data-testid': 'plot-save' }, t('officer.save')),
        plot ? h('button', { type: 'button', class: 'button', onclick: () => plotsPage() }, t('officer.cancel')) : null)));

  const map = drawMap(mapEl, [], session.config);
  const shape = L.featureGroup().addTo(map);
  function redraw() {
    shape.clearLayers();
    if (points.length >= 3) L.polygon(points, { color: '#1565c0', weight: 2 }).addTo(shape);
    else if (points.length === 2) L.polyline(points, { color: '#1565c0', weight: 2 }).addTo(shape);
    for (const p of points) L.circleMarker(p, { radius: 7, color: '#1565c0', fillOpacity: 1, className: 'plot-corner' }).addTo(shape);
    render(corners, t('officer.plotCorners', { count: points.length }));
  }
  map.on('click', (e) => { points.push([e.latlng.lat, e.latlng.lng]); redraw(); });
  redraw();
  if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.5), { maxZoom: 18 });
  drawPlots(map, others); // the neighbours, for orientation
}
