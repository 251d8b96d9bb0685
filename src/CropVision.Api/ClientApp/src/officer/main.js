// The officer pages: sign-in, survey list, survey page (map, incidence, observations with one-tap review, upload with
// progress, exports), the review queue (review.js). Hash routes: #/ (list), #/surveys/{id}, #/review, #/accounts. Texts from the shared string table (Vietnamese first).
import './officer.css';
import { h, render } from '../dom.js';
import { lang, onLangChange, other, pick, setLang, t } from '../i18n.js';
import { ProblemError } from '../api.js';
import { officerApi } from './api.js';
import { colourOf, drawMap } from './map.js';
import { reviewPage } from './review.js';

const root = document.getElementById('officer');
let me = null, config = { tileUrl: '' };
const isAdmin = () => !!me?.roles?.includes('admin');
const reason = (e) => (e instanceof ProblemError ? e.problem?.detail || e.problem?.title : e.message) || String(e);

function shell(...content) {
  render(root,
    h('header', { class: 'top' },
      h('h1', {}, t('officer.title')),
      h('div', { class: 'who' },
        me ? h('a', { href: '#/review', class: 'lang button', 'data-testid': 'nav-review' }, t('officer.reviewQueue')) : null,
        isAdmin() ? h('a', { href: '#/accounts', class: 'lang button', 'data-testid': 'nav-accounts' }, t('officer.accounts')) : null,
        me ? h('span', {}, `${me.userName} (${me.team})`) : null,
        me ? h('button', { type: 'button', class: 'lang', 'data-testid': 'sign-out', onclick: signOut }, t('officer.signOut')) : null,
        h('button', { type: 'button', class: 'lang', 'data-testid': 'lang-switch', onclick: () => setLang(other()) }, t('app.language')))),
    h('main', { class: 'officer' }, content));
}

async function signOut() {
  try { await officerApi.logout(); } catch { /* signed out anyway */ }
  me = null;
  route();
}

/** Why sign-in failed, in the page's language (the API's own words are English). */
function signInProblem(err) {
  if (err instanceof ProblemError && err.status === 429) {
    return t('officer.signInThrottled', { minutes: Math.max(1, Math.ceil((err.problem?.retryAfterSeconds ?? 60) / 60)) });
  }
  if (err instanceof ProblemError && err.problem?.title === 'Account locked') return t('officer.signInLocked');
  if (err instanceof ProblemError && err.status === 401) return t('officer.signInWrong');
  return t('officer.signInFailed', { reason: reason(err) });
}

function loginPage() {
  const user = h('input', { name: 'userName', autocomplete: 'username', required: true, 'data-testid': 'user' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'password' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', {
    class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      try { me = await officerApi.login(user.value, password.value); route(); }
      catch (err) { render(error, signInProblem(err)); }
    },
  }, h('h2', {}, t('officer.signIn')),
  h('label', {}, t('officer.userName'), user), h('label', {}, t('officer.password'), password),
  h('button', { type: 'submit', class: 'button primary', 'data-testid': 'sign-in' }, t('officer.signIn')), error);
  shell(form);
}

async function listPage() {
  const list = await officerApi.surveys();
  const fields = {
    name: h('input', { name: 'name', required: true, 'data-testid': 'survey-name' }),
    crop: h('select', { name: 'crop', 'data-testid': 'survey-crop' }, ['coffee', 'rubber', 'ginseng'].map((c) => h('option', { value: c }, c))),
    district: h('input', { name: 'district' }), commune: h('input', { name: 'commune', 'data-testid': 'survey-commune' }),
    startsOn: h('input', { name: 'startsOn', type: 'date' }), endsOn: h('input', { name: 'endsOn', type: 'date' }),
  };
  if (isAdmin()) fields.team = h('input', { name: 'team', placeholder: me.team, 'data-testid': 'survey-team' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', {
    class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      const body = Object.fromEntries(Object.entries(fields).map(([k, el]) => [k, el.value || null]));
      try { const s = await officerApi.createSurvey(body); location.hash = `#/surveys/${s.id}`; }
      catch (err) { render(error, t('officer.error', { reason: reason(err) })); }
    },
  }, h('h2', {}, t('officer.newSurvey')),
  Object.entries(fields).map(([k, el]) => h('label', {}, t(`officer.${k}`), el)),
  h('button', { type: 'submit', class: 'button primary', 'data-testid': 'create-survey' }, t('officer.create')), error);
  shell(
    h('section', {}, h('h2', {}, t('officer.surveys')),
      list.items.length === 0 ? h('p', {}, t('officer.noSurveys')) : h('ul', { class: 'surveys', 'data-testid': 'survey-list' },
        list.items.map((s) => h('li', {},
          h('a', { href: `#/surveys/${s.id}` }, s.name),
          ` · ${s.crop} · ${[s.commune, s.district].filter(Boolean).join(', ')} · `,
          t('officer.observationsCount', { count: s.observations, reviewed: s.reviewed }),
          s.closed ? h('span', { class: 'badge' }, t('officer.closed')) : null)))),
    form);
}

async function surveyPage(id) {
  const [survey, summary, observations] = await Promise.all([officerApi.survey(id), officerApi.summary(id), officerApi.observations(id)]);
  const names = Object.fromEntries(summary.labels.map((l) => [l.label, l]));
  const labelName = (label) => (label && names[label] ? pick(names[label]) : label ?? t('officer.none'));
  const mapEl = h('div', { class: 'map', 'data-testid': 'map' });
  const progress = h('progress', { max: 1, value: 0, hidden: true, 'data-testid': 'upload-progress' });
  const status = h('p', { role: 'status', 'data-testid': 'upload-status' });
  const problems = h('ul', { class: 'problems', 'data-testid': 'upload-problems' });
  const plot = h('input', { name: 'plot', 'data-testid': 'upload-plot' });
  const files = h('input', { type: 'file', multiple: true, accept: 'image/jpeg,image/png,image/webp,.zip,application/zip', 'data-testid': 'upload-input', onchange: () => upload(id, [...files.files], plot.value, { progress, status, problems }) });

  shell(
    h('p', {}, h('a', { href: '#/' }, t('officer.back'))),
    h('section', { class: 'card' },
      h('h2', { 'data-testid': 'survey-title' }, survey.name),
      h('p', {}, `${survey.crop} · ${[survey.commune, survey.district].filter(Boolean).join(', ')} · ${survey.startsOn ?? ''} – ${survey.endsOn ?? ''}`),
      h('p', {}, t('officer.observationsCount', { count: survey.observations, reviewed: survey.reviewed }))),
    h('section', {}, h('h2', {}, t('officer.map')), mapEl,
      observations.items.some((o) => o.latitude != null) ? null : h('p', {}, t('officer.mapNoPoints'))),
    h('section', { class: 'card' }, h('h2', {}, t('officer.summary')), h('p', {}, t('officer.leaves', { count: summary.overall.assessed })),
      h('table', { 'data-testid': 'incidence' }, h('tbody', {}, Object.entries(summary.overall.incidence).map(([label, share]) =>
        h('tr', {}, h('td', {}, h('span', { class: 'swatch', 'data-colour': label }), labelName(label)), h('td', {}, `${Math.round(share * 1000) / 10}%`)))))),
    agreement(summary.agreement, labelName),
    survey.closed ? null : h('section', { class: 'card' }, h('h2', {}, t('officer.upload')), h('p', {}, t('officer.uploadHint')),
      h('label', {}, t('officer.plot'), plot), h('label', { class: 'button' }, t('officer.upload'), files), progress, status, problems),
    h('section', {}, h('h2', {}, t('officer.observations')),
      h('table', { class: 'observations', 'data-testid': 'observations' },
        h('thead', {}, h('tr', {}, ['photo', 'takenAt', 'plot', 'model', 'review'].map((k) => h('th', {}, t(`officer.${k}`))))),
        h('tbody', {}, observations.items.map((o) => row(id, o, summary.labels, labelName))))),
    h('section', { class: 'card' }, h('h2', {}, t('officer.exports')),
      h('p', { class: 'exports' },
        h('a', { class: 'button', href: officerApi.exportUrl(id, 'csv'), download: '', 'data-testid': 'export-csv' }, t('officer.csv')),
        h('a', { class: 'button', href: officerApi.exportUrl(id, 'geojson'), download: '', 'data-testid': 'export-geojson' }, t('officer.geojson')),
        h('a', { class: 'button', href: `${officerApi.exportUrl(id, 'report')}?lang=${lang()}`, target: '_blank', 'data-testid': 'export-report' }, t('officer.report')))));

  for (const el of root.querySelectorAll('.swatch')) el.style.background = colourOf(el.dataset.colour);
  const points = observations.items.filter((o) => o.latitude != null).map((o) => ({
    id: o.id, lat: o.latitude, lon: o.longitude, label: o.label, severity: o.severity,
    title: `${labelName(o.label)}${o.plotCode ? ` · ${o.plotCode}` : ''}`,
  }));
  drawMap(mapEl, points, config);
}

/** The confusion matrix once some observations are reviewed (rows: officer, columns: model). */
function agreement(a, labelName) {
  if (!a) return null;
  const used = a.labels.map((_, i) => a.matrix[i].some((v) => v > 0) || a.matrix.some((r) => r[i] > 0));
  const labels = a.labels.filter((_, i) => used[i]);
  const index = a.labels.map((_, i) => i).filter((i) => used[i]);
  return h('section', { class: 'card', 'data-testid': 'agreement' }, h('h2', {}, t('officer.agreement')),
    h('p', {}, t('officer.agreementLine', { agreed: a.agreed, reviewed: a.reviewed, share: Math.round(a.accuracy * 1000) / 10 })),
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}), labels.map((l) => h('th', {}, labelName(l))))),
      h('tbody', {}, index.map((r) => h('tr', {}, h('th', {}, labelName(a.labels[r])), index.map((c) => h('td', {}, String(a.matrix[r][c]))))))));
}

function row(id, o, labels, labelName) {
  const review = h('div', { class: 'review' });
  const show = (obs) => render(review,
    obs.reviewed ? h('span', { 'data-testid': 'reviewed' }, t('officer.confirmed', { label: labelName(obs.review.label) })) : null,
    obs.reviewed ? null : h('button', {
      type: 'button', class: 'button right', 'data-testid': 'confirm',
      onclick: async () => { try { show(await officerApi.review(id, o.id, { confirmedLabel: obs.model.label })); } catch (e) { render(review, t('officer.error', { reason: reason(e) })); } },
    }, t('officer.confirm')),
    h('select', {
      'aria-label': t('officer.otherLabel'), 'data-testid': 'other-label',
      onchange: async (e) => { if (e.target.value) { try { show(await officerApi.review(id, o.id, { confirmedLabel: e.target.value })); } catch (err) { render(review, t('officer.error', { reason: reason(err) })); } } },
    }, h('option', { value: '' }, t('officer.otherLabel')), labels.map((l) => h('option', { value: l.label }, pick(l)))));
  show(o);
  return h('tr', { 'data-testid': 'observation-row' },
    h('td', {}, h('a', { href: o.photoUrl, target: '_blank' }, h('img', { src: o.thumbnailUrl, alt: labelName(o.label), width: 96, height: 48, loading: 'lazy' }))),
    h('td', {}, new Date(o.takenAt).toLocaleString(lang() === 'vi' ? 'vi-VN' : 'en-GB')),
    h('td', {}, o.plotCode ?? ''),
    h('td', {}, `${labelName(o.model.label)} ${o.model.confidence != null ? `${Math.round(o.model.confidence * 100)}%` : ''} (${o.model.status})`),
    h('td', {}, review));
}

/** Photos go in requests of at most 8; a zip goes as one import job, followed until it ends. */
async function upload(id, chosen, plot, ui) {
  ui.progress.hidden = false;
  render(ui.problems);
  const zips = chosen.filter((f) => f.name.toLowerCase().endsWith('.zip'));
  const photos = chosen.filter((f) => !zips.includes(f));
  const totals = { added: 0, duplicates: 0, failed: 0 };
  const bad = []; // kept across the page's refresh at the end
  const listBad = (line) => { bad.push(line); ui.problems.append(h('li', {}, line)); };
  try {
    for (let i = 0; i < photos.length; i += 8) {
      const batch = photos.slice(i, i + 8);
      render(ui.status, t('officer.uploading', { done: i, total: photos.length }));
      const { body } = await officerApi.addPhotos(id, batch, { plot }, (f) => { ui.progress.value = (i + f * batch.length) / photos.length; });
      const items = body.items ?? [{ observation: body, duplicate: false, fileName: batch[0].name }];
      for (const item of items) {
        if (item.error) { totals.failed++; listBad(`${item.fileName}: ${item.error.detail ?? item.error.title}`); }
        else if (item.duplicate) totals.duplicates++;
        else totals.added++;
      }
    }
    for (const zip of zips) {
      const { location: jobUrl } = await officerApi.startImport(id, zip, (f) => { ui.progress.value = f; });
      let job;
      do {
        await new Promise((r) => setTimeout(r, 1000));
        job = await officerApi.job(jobUrl);
        ui.progress.value = job.progress;
        render(ui.status, t('officer.importing', { done: job.processedEntries, total: job.totalEntries }));
      } while (job.state === 'queued' || job.state === 'running');
      totals.added += job.added; totals.duplicates += job.duplicates; totals.failed += job.failed;
      for (const p of job.problems) listBad(`${p.name}: ${p.reason}`);
    }
    ui.progress.value = 1;
    const done = t('officer.uploadDone', totals);
    await surveyPage(id);
    const status = root.querySelector('[data-testid=upload-status]');
    if (status) render(status, done);
    const problems = root.querySelector('[data-testid=upload-problems]');
    if (problems) render(problems, bad.map((line) => h('li', {}, line)));
  } catch (e) {
    render(ui.status, t('officer.error', { reason: reason(e) }));
  }
}

/** Admins: the accounts, with unlock, and a form for a new officer. */
async function accountsPage() {
  const accounts = await officerApi.accounts();
  const f = {
    userName: h('input', { name: 'userName', required: true, autocomplete: 'off', 'data-testid': 'account-user' }),
    password: h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password', 'data-testid': 'account-password' }),
    team: h('input', { name: 'team', required: true, 'data-testid': 'account-team' }),
    role: h('select', { name: 'role' }, h('option', { value: 'officer' }, t('officer.roleOfficer')), h('option', { value: 'admin' }, t('officer.roleAdmin'))),
  };
  const message = h('p', { role: 'status' });
  const form = h('form', {
    class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const roles = f.role.value === 'admin' ? ['admin', 'officer'] : ['officer'];
        const created = await officerApi.createAccount({ userName: f.userName.value, password: f.password.value, team: f.team.value, roles });
        await accountsPage();
        render(root.querySelector('[data-testid=account-message]'), t('officer.accountCreated', { name: created.userName }));
      } catch (err) { render(message, t('officer.error', { reason: reason(err) })); }
    },
  }, h('h2', {}, t('officer.newAccount')),
  h('label', {}, t('officer.userName'), f.userName), h('label', {}, t('officer.password'), f.password),
  h('label', {}, t('officer.team'), f.team), h('label', {}, t('officer.role'), f.role),
  h('button', { type: 'submit', class: 'button primary', 'data-testid': 'create-account' }, t('officer.create')), message);
  shell(
    h('p', {}, h('a', { href: '#/' }, t('officer.back'))),
    h('p', { role: 'status', 'data-testid': 'account-message' }),
    h('section', {}, h('h2', {}, t('officer.accounts')),
      h('table', { 'data-testid': 'accounts' },
        h('thead', {}, h('tr', {}, ['userName', 'team', 'roles', 'locked'].map((k) => h('th', {}, t(`officer.${k}`))))),
        h('tbody', {}, accounts.map((a) => h('tr', { 'data-testid': 'account-row' },
          h('td', {}, a.userName), h('td', {}, a.team), h('td', {}, a.roles.join(', ')),
          h('td', {}, a.lockedOut ? h('button', {
            type: 'button', class: 'button', onclick: async () => { await officerApi.changeAccount(a.userName, { locked: false }); accountsPage(); },
          }, t('officer.unlock')) : '')))))),
    form);
}

async function route() {
  try {
    if (!me) {
      try { me = await officerApi.me(); } catch { loginPage(); return; }
    }
    const match = location.hash.match(/^#\/surveys\/([0-9a-f-]{36})$/);
    if (match) await surveyPage(match[1]);
    else if (location.hash === '#/accounts' && isAdmin()) await accountsPage();
    else if (location.hash === '#/review') await reviewPage(shell, reason);
    else await listPage();
  } catch (e) {
    if (e instanceof ProblemError && e.status === 401) { me = null; loginPage(); return; }
    shell(h('p', { class: 'error', role: 'alert' }, t('officer.error', { reason: reason(e) })));
  }
}

window.addEventListener('hashchange', route);
onLangChange(route);
officerApi.config().then((c) => { config = c; }).catch(() => {}).finally(route);
