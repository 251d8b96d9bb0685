// The survey map: every observation with a position (all pages), as circles coloured by label and sized by severity,
// gathered into clusters (leaflet.markercluster) where they crowd; a legend of the label colours; a popup per point
// with its thumbnail, time, plot, label and severity, built as DOM nodes (plot codes are anyone's text). Tiles come from
// the configured server when there is one and it answers; without tiles (offline, no setting) the points still show.
import { L } from './leaflet-global.js';
import 'leaflet.markercluster';
import 'leaflet/dist/leaflet.css';
import 'leaflet.markercluster/dist/MarkerCluster.css';
import 'leaflet.markercluster/dist/MarkerCluster.Default.css';
import { h } from '../dom.js';
import { t } from '../i18n.js';

const colours = { healthy: '#2e7d32', rust: '#e65100', miner: '#6a1b9a', phoma: '#5d4037', cercospora: '#c62828' };
export const colourOf = (label) => colours[label] ?? '#455a64';

/** The attribution as text: Leaflet's attribution control also takes HTML strings. */
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Draws the map into el; points: [{id, lat, lon, label, severity, title, time, plot, labelText, severityText, thumbnailUrl}];
 * legend: [{label, text}]. Returns the Leaflet map.
 */
export function drawMap(el, points, config, legend = []) {
  const map = L.map(el, { attributionControl: !!config.tileUrl, maxZoom: 19 }); // clusters need a maxZoom, also with no tiles
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: escapeHtml(config.tileAttribution ?? '') }).addTo(map);
  }
  const clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40, disableClusteringAtZoom: 18 });
  const markers = points.map((p) => L.circleMarker([p.lat, p.lon], {
    radius: 6 + 2 * (Number(p.severity) || 0),
    color: '#fff', weight: 1.5, fillColor: colourOf(p.label), fillOpacity: 0.9,
    className: `obs-point label-${p.label ?? 'none'}`,
  }).bindTooltip(text(p.title)).bindPopup(() => popup(p), { maxWidth: 260 }));
  clusters.addLayers(markers);
  map.addLayer(clusters);
  if (markers.length) map.fitBounds(L.featureGroup(markers).getBounds().pad(0.3), { maxZoom: 17 });
  else map.setView([14.35, 108.0], 9); // Kon Tum
  if (legend.length) addLegend(map, legend);
  return map;
}

/** A tooltip as a text node: Leaflet puts a string tooltip in with innerHTML. */
function text(s) {
  const el = document.createElement('span');
  el.textContent = s ?? '';
  return el;
}

function popup(p) {
  return h('div', { class: 'obs-popup', 'data-testid': 'map-popup' },
    p.thumbnailUrl ? h('img', { src: p.thumbnailUrl, alt: p.labelText ?? '', width: 200, height: 100 }) : null,
    h('p', {}, h('strong', {}, p.labelText ?? ''), p.severityText ? ` · ${p.severityText}` : ''),
    h('p', {}, p.time ?? ''),
    p.plot ? h('p', {}, `${t('officer.plot')}: ${p.plot}`) : null);
}

/** A colour dot, coloured through the CSSOM (the page's CSP refuses style attributes). */
export function swatch(label) {
  const el = h('span', { class: 'swatch' });
  el.style.background = colourOf(label);
  return el;
}

function addLegend(map, legend) {
  const control = L.control({ position: 'bottomright' });
  control.onAdd = () => h('div', { class: 'map-legend', 'data-testid': 'map-legend' },
    h('strong', {}, t('officer.legend')),
    legend.map((l) => h('div', {}, swatch(l.label), l.text)));
  control.addTo(map);
}
