// Plot boundaries on a Leaflet map: each plot with a boundary as an outlined polygon with its code as a text tooltip.
import * as L from 'leaflet';

/** A GeoJSON Polygon or MultiPolygon as Leaflet's [lat, lon] rings. */
export function latLngsOf(boundary) {
  const polygon = (rings) => rings.map((ring) => ring.map(([lon, lat]) => [lat, lon]));
  if (boundary?.type === 'Polygon') return polygon(boundary.coordinates);
  if (boundary?.type === 'MultiPolygon') return boundary.coordinates.map(polygon);
  return null;
}

function textTooltip(text) {
  const el = document.createElement('span');
  el.textContent = text ?? '';
  return el;
}

/** Adds the plots' boundaries to map (from drawMap); returns the layer group. */
export function drawPlots(map, plots) {
  const group = L.featureGroup();
  for (const p of plots) {
    const rings = latLngsOf(p.boundary);
    if (!rings) continue;
    L.polygon(rings, { color: '#1565c0', weight: 2, fillOpacity: 0.08, className: 'plot-boundary' })
      .bindTooltip(textTooltip(p.name ? `${p.code} · ${p.name}` : p.code)).addTo(group);
  }
  group.addTo(map);
  group.bringToBack?.();
  return group;
}
