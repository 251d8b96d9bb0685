// Diagnosis on the phone: downloads the served model and onnxruntime-web's WASM files (only when the farmer asks),
// keeps them in the 'ondevice' cache (the service worker serves them from there offline; see sw-hook.js), and answers
// a photo as the service does: the same preprocessing (preprocess.js), the same composed graph, the same two-stage
// early exit (CropModel.Run) and the same status rule and answer (Verdict.Decide, PredictionService.Describe).
import { preprocess } from './preprocess.js';

export const cacheName = 'ondevice-v1';
const manifestKey = (crop) => `/v1/models/${crop}/browser`;
const sessions = new Map(); // crop -> Promise<{ ort, session, manifest }>

/** The manifest of the model kept on this phone for the crop, or null. */
export async function stored(crop) {
  const hit = await (await caches.open(cacheName)).match(manifestKey(crop));
  return hit ? hit.json() : null;
}

/** The served manifest (network), or null when the service cannot be reached or has no model for the crop. */
export async function served(crop) {
  try {
    const r = await fetch(manifestKey(crop), { cache: 'no-store' });
    return r.ok ? await r.json() : null;
  } catch {
    return null;
  }
}

/** Bytes still to download for this manifest: the model and runtime files not cached yet. */
export async function downloadSize(manifest) {
  const cache = await caches.open(cacheName);
  let total = 0;
  for (const f of files(manifest)) if (!(await cache.match(f.url))) total += f.bytes;
  return total;
}

const files = (m) => [...m.runtime.map((f) => ({ url: f.url, bytes: f.bytes })), { url: m.modelUrl, bytes: m.modelBytes }];

/**
 * Downloads what the manifest needs into the cache, reporting progress(fraction, loadedBytes, totalBytes); replaces
 * an older version of the crop's model. Resolves to the manifest, now stored.
 */
export async function download(manifest, progress = () => {}) {
  const cache = await caches.open(cacheName);
  const todo = [];
  for (const f of files(manifest)) if (!(await cache.match(f.url))) todo.push(f);
  const total = todo.reduce((s, f) => s + f.bytes, 0);
  let loaded = 0;
  progress(total ? 0 : 1, 0, total);
  for (const f of todo) {
    const response = await fetch(f.url, { cache: 'no-store' });
    if (!response.ok) throw new Error(`${f.url}: HTTP ${response.status}`);
    const reader = response.body.getReader(), chunks = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      progress(Math.min(1, loaded / total), loaded, total);
    }
    const headers = new Headers({ 'Content-Type': response.headers.get('Content-Type') ?? 'application/octet-stream' });
    await cache.put(f.url, new Response(new Blob(chunks), { headers }));
  }
  // A new version replaces the old one: drop this crop's other model files.
  for (const request of await cache.keys()) {
    const url = new URL(request.url);
    if (url.pathname === `/v1/models/${manifest.crop}/browser-model` && url.pathname + url.search !== manifest.modelUrl) await cache.delete(request);
  }
  await cache.put(manifestKey(manifest.crop), new Response(JSON.stringify(manifest), { headers: { 'Content-Type': 'application/json' } }));
  sessions.delete(manifest.crop);
  progress(1, total, total);
  return manifest;
}

/** Removes the crop's model from the phone. */
export async function remove(crop) {
  const cache = await caches.open(cacheName);
  for (const request of await cache.keys()) if (new URL(request.url).pathname.startsWith(`/v1/models/${crop}/`)) await cache.delete(request);
  sessions.delete(crop);
}

/** The runtime and session for the stored model (loaded once per page). */
export function load(crop) {
  if (!sessions.has(crop)) {
    const p = (async () => {
      const manifest = await stored(crop);
      if (!manifest) throw new Error(`no model for ${crop} on this phone`);
      const cache = await caches.open(cacheName);
      const bytes = async (url) => {
        const hit = await cache.match(url) ?? await fetch(url);
        return new Uint8Array(await hit.arrayBuffer());
      };
      const entry = manifest.runtime.find((f) => f.url.endsWith('/ort.wasm.min.mjs'));
      // onnxruntime-web is imported only here, on demand: never part of the shell bundle.
      const ort = await import(/* @vite-ignore */ entry.url);
      ort.env.wasm.wasmPaths = manifest.runtimeUrl;
      ort.env.wasm.wasmBinary = await bytes(manifest.runtime.find((f) => f.url.endsWith('.wasm')).url);
      // Threads need cross-origin isolation (COOP + COEP), which the app does not turn on: one thread, SIMD.
      ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
      const session = await ort.InferenceSession.create(await bytes(manifest.modelUrl), {
        executionProviders: ['wasm'], graphOptimizationLevel: 'all',
      });
      return { ort, session, manifest };
    })();
    p.catch(() => sessions.delete(crop));
    sessions.set(crop, p);
  }
  return sessions.get(crop);
}

/** Runs views [1, views, 3, S, S] and returns every output as a plain Float32Array. */
async function runViews(ort, session, tensor, views, S) {
  const out = await session.run({ image: new ort.Tensor('float32', tensor, [1, views, 3, S, S]) });
  const r = {};
  for (const [k, v] of Object.entries(out)) { r[k] = v.data; v.dispose?.(); }
  return r;
}

const argmaxValue = (a) => a.reduce((m, v) => Math.max(m, v), -Infinity);

/** Raw outputs for a photo, with the service's early exit. */
export async function infer(crop, blob) {
  const { ort, session, manifest } = await load(crop);
  const spec = manifest.preprocessing, S = spec.tileSize;
  const t0 = performance.now();
  const { tensor, framing, views, decoder } = await preprocess(blob, spec);
  const t1 = performance.now();
  const tiles = views / spec.flips.length;
  let outputs, passes = views;
  if (manifest.earlyExitBelow == null) outputs = await runViews(ort, session, tensor, views, S);
  else {
    const per = 3 * S * S;
    outputs = await runViews(ort, session, tensor.subarray(0, tiles * per), tiles, S);
    passes = tiles;
    if (argmaxValue(outputs[manifest.primaryOutput]) < manifest.earlyExitBelow && views > tiles) {
      const more = await runViews(ort, session, tensor.subarray(tiles * per), views - tiles, S);
      const w1 = 1 / spec.flips.length, w2 = 1 - w1;
      for (const k of Object.keys(outputs)) outputs[k] = outputs[k].map((v, i) => w1 * v + w2 * more[k][i]);
      passes = views;
    }
  }
  const t2 = performance.now();
  return { outputs, framing, manifest, passes, decoder, decodeMs: t1 - t0, inferenceMs: t2 - t1 };
}

const round4 = (x) => Math.round(x * 1e4) / 1e4;

/** The service's answer (PredictionResponse) made on the phone, marked onDevice: true. */
export async function diagnoseOnDevice(crop, blob) {
  const { outputs, framing, manifest: m, passes, decoder, decodeMs, inferenceMs } = await infer(crop, blob);
  const cal = m.calibration;
  const rejected = outputs.ood_distance[0] > cal.rejectAbove
    || (cal.leafOutput && cal.leafBelow != null && outputs[cal.leafOutput] && outputs[cal.leafOutput][0] < cal.leafBelow);
  const primary = outputs[m.primaryOutput];
  const uncertainBelow = cal.uncertainBelowBy?.[framing] ?? cal.uncertainBelow;
  // A leaf probability in the band where other crops' leaves fall: not "not a leaf", but no confident answer (Verdict.MayBeAnotherCrop).
  const otherCrop = cal.leafOutput && cal.leafUncertainBelow != null && outputs[cal.leafOutput] && outputs[cal.leafOutput][0] < cal.leafUncertainBelow;
  const status = rejected ? 'rejected' : otherCrop || argmaxValue(primary) < uncertainBelow ? 'uncertain' : 'ok';
  const task = (output) => m.tasks.find((t) => t.output === output);
  const applies = (t) => !t.framings || t.framings.includes(framing);
  const ranked = (t) => [...outputs[t.output]].map((p, i) => ({ c: t.classes[i], p })).sort((a, b) => b.p - a.p);
  const named = ({ c, p }) => ({ label: c.label, en: c.en, vi: c.vi, probability: round4(p) });
  const top = ranked(task(m.primaryOutput));
  const sev = m.tasks.find((t) => t.output === 'severity');
  const sevTop = sev && applies(sev) ? ranked(sev)[0] : null;
  const others = m.tasks.filter((t) => t.kind === 'multi-label' && applies(t)).flatMap(ranked)
    .filter((r) => r.p >= 0.5 && r.c.label !== top[0].c.label).map(named);
  const entry = top[0].c;
  const advice = status === 'rejected' ? m.rejected : status === 'uncertain' ? m.uncertain
    : entry.adviceEn ? { en: entry.adviceEn, vi: entry.adviceVi } : { en: entry.en, vi: entry.vi };
  return {
    crop: m.crop, model: { name: m.crop, version: m.version }, status, framing: framing === 'CloseUp' ? 'close-up' : 'wide',
    label: entry.label, confidence: round4(top[0].p), predictions: top.slice(0, 3).map(named),
    severity: sevTop ? { grade: sevTop.c.label, en: sevTop.c.en, vi: sevTop.c.vi, probability: round4(sevTop.p) } : null,
    otherStresses: others, advice,
    probabilities: Object.fromEntries(top.map(({ c, p }) => [c.label, round4(p)])), // every class, for the upload (diagnosis.js)
    timings: { decodeMs: round4(decodeMs), queueMs: 0, inferenceMs: round4(inferenceMs), batchSize: 1 },
    onDevice: true, backbonePasses: passes, decoder, // decoder: 'coefficients' = the service's exact JPEG decode (preprocess.js)
  };
}
