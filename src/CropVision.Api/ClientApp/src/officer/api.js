// The officer endpoints, over the shared API client (retries, problems, anti-forgery header).
import { getJson, sendJson, setCsrfToken, ProblemError, NetworkError } from '../api.js';

// The anti-forgery token for this module's own XMLHttpRequests (the shared client keeps its own copy).
let csrf = null;
const survey = (id) => `/v1/surveys/${encodeURIComponent(id)}`;

export const officerApi = {
  config: () => getJson('/v1/officer/config'),
  me: async () => {
    const me = await getJson('/v1/auth/me', { retries: 0 });
    setCsrfToken(me.antiforgeryToken);
    csrf = me.antiforgeryToken;
    return me;
  },
  login: async (userName, password) => {
    const me = await sendJson('POST', '/v1/auth/login', { userName, password }, { retries: 0 });
    setCsrfToken(me.antiforgeryToken);
    csrf = me.antiforgeryToken;
    return me;
  },
  logout: () => sendJson('POST', '/v1/auth/logout', undefined, { retries: 0 }),
  surveys: (page = 1) => getJson(`/v1/surveys?${params({ page, pageSize: 50 })}`),
  createSurvey: (body) => sendJson('POST', '/v1/surveys', body, { retries: 0 }),
  survey: (id) => getJson(survey(id)),
  accounts: () => getJson('/v1/accounts'),
  createAccount: (body) => sendJson('POST', '/v1/accounts', body, { retries: 0 }),
  changeAccount: (name, body) => sendJson('PATCH', `/v1/accounts/${encodeURIComponent(name)}`, body, { retries: 0 }),
  summary: (id) => getJson(`${survey(id)}/summary`),
  /** One page of a survey's observations; query: {page, pageSize, label, status, reviewed, plot, from, to} (empty ones left out). */
  observations: (id, query = {}) => getJson(`${survey(id)}/observations?${params({ pageSize: 200, ...query })}`),
  /** Every observation of a survey (for the map): page after page of 200. */
  allObservations: async (id) => {
    const items = [];
    for (let page = 1; ; page++) {
      const p = await getJson(`${survey(id)}/observations?${params({ page, pageSize: 200 })}`);
      items.push(...p.items);
      if (p.items.length === 0 || items.length >= p.total) return { items, total: p.total };
    }
  },
  /** The review queue of a crop from offset (the next page skips what was shown); answers {waiting, items}. */
  reviewQueue: (crop, offset = 0, limit = 50) => getJson(`/v1/review?${params({ crop, offset, limit })}`),
  /** One captured observation with its idempotency key: a resend answers the first observation, never a second. */
  addCapture: (id, photo, name, fields, key, onProgress) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) if (v != null && v !== '') form.append(k, String(v));
    form.append('image', photo, name);
    return xhr('POST', `${survey(id)}/observations`, form, onProgress, undefined, { 'Idempotency-Key': key });
  },
  review: (id, observationId, body) => sendJson('PATCH', `${survey(id)}/observations/${observationId}`, body),
  /** Photos as multipart parts named image (one request per call), with upload progress. */
  addPhotos: (id, files, fields, onProgress) => {
    const form = { ...fields };
    return postFiles(`${survey(id)}/observations`, files, form, onProgress);
  },
  /** A zip as the raw body; answers the job. plot: for photos that neither a folder nor plots.csv puts in a plot. */
  startImport: (id, zip, onProgress, plot) => postRaw(`${survey(id)}/imports${plot ? `?plot=${encodeURIComponent(plot)}` : ''}`, zip, onProgress),
  job: (url) => getJson(url),
  exportUrl: (id, kind) => ({ csv: `${survey(id)}/exports/observations.csv`, geojson: `${survey(id)}/exports/observations.geojson`, report: `${survey(id)}/report` }[kind]),
};

// postForm sends one Blob per field name; several photos need several parts named 'image'.
function postFiles(url, files, fields, onProgress) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v != null && v !== '') form.append(k, String(v));
  for (const f of files) form.append('image', f, f.name);
  return xhr('POST', url, form, onProgress);
}

function postRaw(url, file, onProgress) {
  return xhr('POST', url, file, onProgress, 'application/zip');
}

function xhr(method, url, body, onProgress, contentType, headers = {}) {
  return new Promise((resolve, reject) => {
    const r = new XMLHttpRequest();
    r.open(method, url);
    r.setRequestHeader('Accept', 'application/json');
    if (csrf) r.setRequestHeader('X-CSRF-TOKEN', csrf);
    if (contentType) r.setRequestHeader('Content-Type', contentType);
    for (const [k, v] of Object.entries(headers)) r.setRequestHeader(k, v);
    r.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total);
    r.onload = () => {
      let parsed = null;
      try { parsed = r.responseText ? JSON.parse(r.responseText) : null; } catch { parsed = { detail: r.responseText }; }
      if (r.status < 400) resolve({ body: parsed, location: r.getResponseHeader('Location') });
      else reject(new ProblemError(r.status, parsed));
    };
    r.onerror = r.ontimeout = () => reject(new NetworkError('upload failed'));
    r.send(body);
  });
}

const params = (query) => new URLSearchParams(Object.entries(query).filter(([, v]) => v != null && v !== '')).toString();

export { ProblemError };
