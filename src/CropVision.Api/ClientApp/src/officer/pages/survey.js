// A survey's page (#/surveys/{id}): header, map, incidence, agreement, upload, observations, exports.
import { h } from '../../dom.js';
import { pick, t } from '../../i18n.js';
import { officerApi } from '../api.js';
import { colourOf, drawMap } from '../map.js';
import { root, session, shell } from '../session.js';
import { agreement } from '../survey/agreement.js';
import { exportsCard } from '../survey/exports.js';
import { manageCard } from '../survey/manage.js';
import { row } from '../survey/observation-row.js';
import { upload } from '../survey/upload.js';
import { summarySection } from '../survey/summary.js';
import { allPlots } from '../plots-api.js';
import { drawPlots } from '../plot-layer.js';

export async function surveyPage(id) {
  const [survey, summary, observations, teamPlots] = await Promise.all([officerApi.survey(id), officerApi.summary(id), officerApi.observations(id), allPlots().catch(() => [])]);
  const plots = teamPlots.filter((p) => p.team === survey.team); // an admin reads every team's
  const names = Object.fromEntries(summary.labels.map((l) => [l.label, l]));
  const labelName = (label) => (label && names[label] ? pick(names[label]) : label ?? t('officer.none'));
  const mapEl = h('div', { class: 'map', 'data-testid': 'map' });
  const progress = h('progress', { max: 1, value: 0, hidden: true, 'data-testid': 'upload-progress' });
  const status = h('p', { role: 'status', 'data-testid': 'upload-status' });
  const problems = h('ul', { class: 'problems', 'data-testid': 'upload-problems' });
  const plot = h('input', { name: 'plot', 'data-testid': 'upload-plot' });
  const files = h('input', { type: 'file', multiple: true, accept: 'image/jpeg,image/png,image/webp,.zip,application/zip', 'data-testid': 'upload-input', onchange: () => upload(id, [...files.files], plot.value, { progress, status, problems }, () => surveyPage(id)) });

  shell(
    h('p', {}, h('a', { href: '#/' }, t('officer.back'))),
    h('section', { class: 'card' },
      h('h2', { 'data-testid': 'survey-title' }, survey.name),
      h('p', {}, `${survey.crop} · ${[survey.commune, survey.district].filter(Boolean).join(', ')} · ${survey.startsOn ?? ''} – ${survey.endsOn ?? ''}`),
      h('p', {}, t('officer.observationsCount', { count: survey.observations, reviewed: survey.reviewed }))),
    h('section', {}, h('h2', {}, t('officer.map')), mapEl,
      observations.items.some((o) => o.latitude != null) ? null : h('p', {}, t('officer.mapNoPoints'))),
    summarySection(summary, labelName),
    agreement(summary.agreement, labelName),
    survey.closed ? null : h('section', { class: 'card' }, h('h2', {}, t('officer.upload')), h('p', {}, t('officer.uploadHint')),
      h('label', {}, t('officer.plot'), plot), h('label', { class: 'button' }, t('officer.upload'), files), progress, status, problems),
    h('section', {}, h('h2', {}, t('officer.observations')),
      h('table', { class: 'observations', 'data-testid': 'observations' },
        h('thead', {}, h('tr', {}, ['photo', 'takenAt', 'plot', 'model', 'review'].map((k) => h('th', {}, t(`officer.${k}`))))),
        h('tbody', {}, observations.items.map((o) => row(id, o, summary.labels, labelName, { grades: summary.severityGrades, plots }))))),
    exportsCard(id),
    manageCard(survey, () => surveyPage(id)));

  for (const el of root.querySelectorAll('.swatch')) el.style.background = colourOf(el.dataset.colour);
  const points = observations.items.filter((o) => o.latitude != null).map((o) => ({
    id: o.id, lat: o.latitude, lon: o.longitude, label: o.label, severity: o.severity,
    title: `${labelName(o.label)}${o.plotCode ? ` · ${o.plotCode}` : ''}`,
  }));
  drawPlots(drawMap(mapEl, points, session.config), plots);
}

