// A survey's page (#/surveys/{id}): header, field capture (phones), map, incidence, agreement, upload, observations
// (paged, filtered), exports. Sections stack in one column on a phone.
import { h } from '../../dom.js';
import { lang, pick, t } from '../../i18n.js';
import { officerApi } from '../api.js';
import { drawMap, swatch } from '../map.js';
import { session, shell } from '../session.js';
import { agreement } from '../survey/agreement.js';
import { exportsCard } from '../survey/exports.js';
import { manageCard } from '../survey/manage.js';
import { captureSection } from '../survey/capture.js';
import { observationList } from '../survey/observations.js';
import { upload } from '../survey/upload.js';
import { summarySection } from '../survey/summary.js';
import { allPlots } from '../plots-api.js';
import { drawPlots } from '../plot-layer.js';

export const cropName = (crop) => (crop ? t(`officer.crop.${crop}`) : '');

export async function surveyPage(id) {
  const [survey, summary, all, teamPlots] = await Promise.all([officerApi.survey(id), officerApi.summary(id), officerApi.allObservations(id), allPlots().catch(() => [])]);
  const plots = teamPlots.filter((p) => p.team === survey.team); // an admin reads every team's
  const names = Object.fromEntries(summary.labels.map((l) => [l.label, l]));
  const labelName = (label) => (label && names[label] ? pick(names[label]) : label ?? t('officer.none'));
  const mapEl = h('div', { class: 'map', 'data-testid': 'map' });
  const progress = h('progress', { max: 1, value: 0, hidden: true, 'data-testid': 'upload-progress' });
  const status = h('p', { role: 'status', 'data-testid': 'upload-status' });
  const problems = h('ul', { class: 'problems', 'data-testid': 'upload-problems' });
  const plot = h('input', { name: 'plot', 'data-testid': 'upload-plot' });
  const files = h('input', { type: 'file', multiple: true, accept: 'image/jpeg,image/png,image/webp,.zip,application/zip', 'data-testid': 'upload-input', onchange: () => upload(id, [...files.files], plot.value, { progress, status, problems }, () => surveyPage(id)) });
  const located = all.items.filter((o) => o.latitude != null);
  const time = (o) => new Date(o.takenAt).toLocaleString(lang() === 'vi' ? 'vi-VN' : 'en-GB');
  const grade = (o) => (o.severity != null && o.severity !== '' ? `${t('officer.severity')} ${o.severity}` : '');

  shell(
    h('p', {}, h('a', { href: '#/', class: 'button' }, t('officer.back'))),
    h('section', { class: 'card' },
      h('h2', { 'data-testid': 'survey-title' }, survey.name),
      h('p', {}, [cropName(survey.crop), [survey.commune, survey.district].filter(Boolean).join(', '), survey.startsOn || survey.endsOn ? `${survey.startsOn ?? ''} – ${survey.endsOn ?? ''}` : null].filter(Boolean).join(' · ')),
      h('p', {}, t('officer.observationsCount', { count: survey.observations, reviewed: survey.reviewed }))),
    survey.closed ? null : captureSection(id, () => surveyPage(id)),
    h('section', {}, h('h2', {}, t('officer.map')), mapEl,
      h('p', { 'data-testid': 'map-count' }, located.length ? t('officer.mapCount', { shown: located.length, missing: all.items.length - located.length }) : t('officer.mapNoPoints'))),
    summarySection(summary, labelName),
    agreement(summary.agreement, labelName),
    survey.closed ? null : h('section', { class: 'card' }, h('h2', {}, t('officer.upload')), h('p', {}, t('officer.uploadHint')),
      h('label', {}, t('officer.plot'), plot), h('label', { class: 'button' }, t('officer.upload'), files), progress, status, problems),
    observationList(id, summary.labels, labelName, { grades: summary.severityGrades, plots }),
    exportsCard(id),
    manageCard(survey, () => surveyPage(id)));

  const points = located.map((o) => ({
    id: o.id, lat: o.latitude, lon: o.longitude, label: o.label, severity: o.severity,
    title: `${labelName(o.label)}${o.plotCode ? ` · ${o.plotCode}` : ''}`,
    labelText: labelName(o.label), severityText: grade(o), time: time(o), plot: o.plotCode, thumbnailUrl: o.thumbnailUrl,
  }));
  const seen = [...new Set(located.map((o) => o.label))];
  drawPlots(drawMap(mapEl, points, session.config, seen.map((label) => ({ label, text: labelName(label) }))), plots);
}
