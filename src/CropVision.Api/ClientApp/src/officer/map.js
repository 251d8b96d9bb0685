// The survey map: observations as circles coloured by label and sized by severity. Tiles come from the configured
// server when there is one and it answers; without tiles (offline, no setting) the points still show on a plain ground.
import * as L from 'leaflet';
import 'leaflet/dist/leaflet.css';

const colours = { healthy: '#2e7d32', rust: '#e65100', miner: '#6a1b9a', phoma: '#5d4037', cercospora: '#c62828' };
export const colourOf = (label) => colours[label] ?? '#455a64';

/** A tooltip as a text node: Leaflet puts a string tooltip in with innerHTML, and plot codes are anyone's text. */
function textTooltip(text) {
  const el = document.createElement('span');
  el.textContent = text ?? '';
  return el;
}

/** The attribution as text: Leaflet's attribution control also takes HTML strings. */
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Draws the map into el; points: [{id, lat, lon, label, severity, title}]. Returns the Leaflet map. */
export function drawMap(el, points, config) {
  const map = L.map(el, { attributionControl: !!config.tileUrl });
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: escapeHtml(config.tileAttribution ?? '') }).addTo(map);
  }
  const markers = points.map((p) => L.circleMarker([p.lat, p.lon], {
    radius: 6 + 2 * (Number(p.severity) || 0),
    color: '#fff', weight: 1.5, fillColor: colourOf(p.label), fillOpacity: 0.9,
    className: `obs-point label-${p.label ?? 'none'}`,
  }).bindTooltip(textTooltip(p.title)).addTo(map));
  if (markers.length) map.fitBounds(L.featureGroup(markers).getBounds().pad(0.3), { maxZoom: 17 });
  else map.setView([14.35, 108.0], 9); // Kon Tum
  return map;
}
