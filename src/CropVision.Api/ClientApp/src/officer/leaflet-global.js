// leaflet.markercluster is a plain script that extends a global L; Leaflet's ES module gives a frozen namespace. A
// writable copy becomes the global before the plug-in runs (map.js imports this first).
import * as Leaflet from 'leaflet';

export const L = { ...Leaflet };
window.L = L;
