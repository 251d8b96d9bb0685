// The survey page's downloads: CSV, Excel, GeoJSON, KML, the printable report and its self-contained copy.
import { h } from '../../dom.js';
import { lang, t } from '../../i18n.js';

const base = (id) => `/v1/surveys/${encodeURIComponent(id)}`;

export function exportsCard(id) {
  const file = (kind, key) => h('a', { class: 'button', href: `${base(id)}/exports/observations.${kind}`, download: '', 'data-testid': `export-${kind}` }, t(key));
  return h('section', { class: 'card' }, h('h2', {}, t('officer.exports')),
    h('p', { class: 'exports' },
      file('xlsx', 'officer.xlsx'),
      file('csv', 'officer.csv'),
      file('kml', 'officer.kml'),
      file('geojson', 'officer.geojson'),
      h('a', { class: 'button', href: `${base(id)}/report?lang=${lang()}`, target: '_blank', 'data-testid': 'export-report' }, t('officer.report')),
      h('a', { class: 'button', href: `${base(id)}/report?lang=${lang()}&download=1`, download: '', 'data-testid': 'export-report-download' }, t('officer.reportDownload'))));
}
