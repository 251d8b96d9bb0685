// The one client for the service's HTTP API, shared by every page. Retries what can succeed later (no network,
// timeouts, 502/503/504, 429) with exponential back-off, honouring Retry-After; answers that will not change on a
// retry (4xx problems) are thrown at once as ProblemError with the server's RFC 9457 problem.

/** The server answered with an error that a retry will not fix; .problem is its problem details. */
export class ProblemError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** The request never got an answer (offline, dropped, timed out, or still busy after every retry). */
export class NetworkError extends Error {}

let csrfToken = null;
/** The anti-forgery token (GET /v1/auth/me) of a page signed in with the login cookie; sent with every non-GET request. */
export const setCsrfToken = (token) => { csrfToken = token; };
const csrfHeader = 'X-CSRF-TOKEN';

/** Tells the page (event cropvision:network, detail true/false) whether the last request got an answer. */
const networkSeen = (answered) => window.dispatchEvent(new CustomEvent('cropvision:network', { detail: answered }));

const retryable = (status) => status === 429 || status === 502 || status === 503 || status === 504;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds from a Retry-After header (delta seconds or an HTTP date), or null. */
export function retryAfterSeconds(value) {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}

/** Back-off before retry number `attempt` (0-based): Retry-After when the server gave one, else 1, 2, 4, 8 s (+ jitter), capped at 30 s. */
export const backoffMs = (attempt, retryAfter) =>
  Math.min(30_000, retryAfter != null ? retryAfter * 1000 : 1000 * 2 ** attempt + Math.random() * 500);

/**
 * Runs send() (which resolves to {status, headers: {get(name)}, body}) until it succeeds, retrying with back-off.
 * onRetry(seconds) lets the page say it is waiting. Every request is tried, offline too, so that the service worker
 * can answer from its cache; a request that got no answer while the phone says it is offline is not retried.
 */
async function withRetry(send, { retries = 4, onRetry } = {}) {
  for (let attempt = 0; ; attempt++) {
    let response = null;
    try {
      response = await send();
    } catch (e) {
      if (!(e instanceof NetworkError)) throw e;
    }
    networkSeen(response !== null);
    if (response && response.status < 400) return response.body;
    if (response && !retryable(response.status)) throw new ProblemError(response.status, response.body);
    if (!response && !navigator.onLine) throw new NetworkError('offline');
    if (attempt >= retries) {
      if (response) throw new ProblemError(response.status, response.body);
      throw new NetworkError('no answer');
    }
    const wait = backoffMs(attempt, retryAfterSeconds(response?.headers.get('Retry-After')));
    onRetry?.(Math.ceil(wait / 1000));
    await sleep(wait);
  }
}

const hex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * A W3C traceparent (version 00, sampled) for one attempt of an upload: the upload's trace id, a new parent span id
 * per attempt, so the service's trace of a photo joins up with the phone's retries (docs/service.md#traces).
 */
const traceparent = (traceId) => `00-${traceId}-${hex(8)}-01`;
const newTraceId = () => hex(16);

const parse = (text) => {
  try { return text ? JSON.parse(text) : null; } catch { return { detail: text }; }
};

async function fetchOnce(url, init) {
  let r;
  try {
    const write = init?.method && init.method !== 'GET';
    r = await fetch(url, { ...init, headers: { Accept: 'application/json', ...(write && csrfToken ? { [csrfHeader]: csrfToken } : {}), ...(init?.headers ?? {}) } });
  } catch {
    throw new NetworkError('fetch failed');
  }
  return { status: r.status, headers: r.headers, body: parse(await r.text()) };
}

/** XMLHttpRequest rather than fetch: only it reports upload progress. */
function uploadOnce(url, form, onProgress, timeoutMs, traceId) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('traceparent', traceparent(traceId));
    if (csrfToken) xhr.setRequestHeader(csrfHeader, csrfToken);
    xhr.timeout = timeoutMs;
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total);
    xhr.onload = () => resolve({
      status: xhr.status,
      headers: { get: (name) => xhr.getResponseHeader(name) },
      body: parse(xhr.responseText),
    });
    xhr.onerror = xhr.ontimeout = xhr.onabort = () => reject(new NetworkError('upload failed'));
    xhr.send(form);
  });
}

export const getJson = (url, options) => withRetry(() => fetchOnce(url), options);

/**
 * Sends a JSON body (POST, PUT, PATCH, DELETE) and returns the JSON answer. A dropped answer is retried like any other,
 * so a request that must not be repeated passes { retries: 0 } and handles NetworkError itself.
 */
export const sendJson = (method, url, body, options) => withRetry(() => fetchOnce(url, {
  method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
}), options);

/**
 * POSTs multipart fields (strings or Blobs; a Blob is sent as a file named photo.jpg) with upload progress (0..1). Every
 * attempt carries a traceparent of the same trace (one per upload).
 */
export function postForm(url, fields, { onProgress, onRetry, retries, timeoutMs = 90_000 } = {}) {
  const traceId = newTraceId();
  const form = () => {
    const f = new FormData();
    for (const [name, value] of Object.entries(fields)) {
      if (value == null) continue;
      if (value instanceof Blob) f.append(name, value, 'photo.jpg');
      else f.append(name, String(value));
    }
    return f;
  };
  return withRetry(() => uploadOnce(url, form(), onProgress, timeoutMs, traceId), { onRetry, retries });
}

// The service's endpoints.
export const api = {
  models: (options) => getJson('/v1/models', options),
  predict: (crop, photo, options) => postForm(`/v1/predict?crop=${encodeURIComponent(crop)}`, { image: photo }, options),
  feedback: (fields, photo, options) => postForm('/v1/feedback', { ...fields, image: photo }, options),
  deviceAnswer: (fields, photo, options) => postForm('/v1/device-answers', { ...fields, image: photo }, options),
};
