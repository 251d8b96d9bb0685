// The survey's summary as an officer reads it: "% lá bị bệnh" first, then each stress; then by plot and by commune.
import '../records.css';
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { swatch } from '../map.js';

const percent = (share) => `${Math.round(share * 1000) / 10}%`;

function groups(title, testid, list) {
  if (!list?.length) return null;
  return h('div', { class: 'groups' }, h('h3', {}, title),
    h('ul', { class: 'group-list', 'data-testid': testid }, list.map((g) => h('li', { class: 'group', 'data-testid': `${testid}-row` },
      h('strong', {}, g.key ?? t('officer.noPlot')), ' · ',
      h('span', { 'data-testid': 'group-diseased' }, `${t('officer.diseasedShort')}: ${percent(g.diseasedShare)}`),
      ` · ${t('officer.assessedShort')}: ${g.assessed}`))));
}

/** summary: the API's /summary; labelName(label) gives the crop's name for a label in the page's language. */
export function summarySection(summary, labelName) {
  const overall = summary.overall;
  const stresses = Object.entries(overall.incidence).filter(([label]) => label !== 'healthy').sort((a, b) => b[1] - a[1]);
  return h('section', { class: 'card' }, h('h2', {}, t('officer.summary')),
    h('p', { class: 'headline', 'data-testid': 'diseased-share' }, t('officer.diseasedShare', { share: percent(overall.diseasedShare) })),
    h('p', {}, t('officer.leaves', { count: overall.assessed })),
    h('h3', {}, t('officer.perStress')),
    h('table', { 'data-testid': 'incidence' }, h('tbody', {}, stresses.map(([label, share]) =>
      h('tr', {}, h('td', {}, swatch(label), labelName(label)), h('td', {}, percent(share)))))),
    groups(t('officer.byPlot'), 'by-plot', summary.byPlot),
    groups(t('officer.byCommune'), 'by-commune', summary.byCommune));
}
