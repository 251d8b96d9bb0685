// The plain Node.js comparison server: sharp (libvips) decode + onnxruntime-node, one inference at a time.
// usage: node server.mjs MODEL.onnx [PORT]   (PORT 0 or absent: a free port; prints "listening on URL")
// It takes the same upload as CropVision's POST /v1/predict (multipart field "image") and answers the top label.
// The preprocessing is read from the exported file's own metadata (cropvision.preprocessing, described in words by
// cropvision.input), not written here a second time.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import sharp from 'sharp';
import ort from 'onnxruntime-node';

const [modelPath, portArg] = process.argv.slice(2);
if (!modelPath) { console.error('usage: node server.mjs MODEL.onnx [PORT]'); process.exit(2); }
sharp.concurrency(1);

const meta = readMetadata(readFileSync(modelPath));
const spec = JSON.parse(meta['cropvision.preprocessing']);
const primary = meta['cropvision.primary_output'];
const labels = JSON.parse(meta[`cropvision.labels.${primary}`]);
const tile = spec.tileSize, across = spec.resizeWidth / tile, down = spec.resizeHeight / tile;
const tiles = across * down, views = spec.flips.length * tiles;
// The service's own session settings (appsettings.json): every core per operator, full graph optimisation, and idle
// threads that do not spin (spinning worker threads would starve sharp's decoding on a small machine; measured).
const session = await ort.InferenceSession.create(modelPath, {
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  interOpNumThreads: 1,
  extra: { 'session.intra_op.allow_spinning': '0', 'session.inter_op.allow_spinning': '0' },
});

// ONNX ModelProto field 14 is metadata_props (key 1, value 2): a few lines of protobuf reading instead of a dependency.
function readMetadata(buf) {
  const out = {};
  let p = 0;
  const varint = () => { let v = 0n, s = 0n, b; do { b = buf[p++]; v |= BigInt(b & 0x7f) << s; s += 7n; } while (b & 0x80); return Number(v); };
  const fields = (end, onBytes) => {
    while (p < end) {
      const key = varint(), field = key >> 3, wire = key & 7;
      if (wire === 0) varint();
      else if (wire === 1) p += 8;
      else if (wire === 5) p += 4;
      else if (wire === 2) { const len = varint(), start = p; p += len; onBytes(field, start, p); }
      else throw new Error(`unexpected protobuf wire type ${wire}`);
    }
  };
  fields(buf.length, (field, start, end) => {
    if (field !== 14) return;
    const entry = {}, save = p;
    p = start;
    fields(end, (f, s, e) => { entry[f] = buf.toString('utf8', s, e); });
    p = save;
    out[entry[1]] = entry[2] ?? '';
  });
  return out;
}

// Bytes to [views, 3, tile, tile] RGB 0..255, as cropvision.input describes.
async function preprocess(bytes) {
  const info = await sharp(bytes).metadata();
  let w = info.width, h = info.height;
  if ((info.orientation ?? 1) >= 5) [w, h] = [h, w];
  const closeUp = spec.closeUpBelowAspect != null && Math.max(w, h) < spec.closeUpBelowAspect * Math.min(w, h);
  let img = sharp(bytes).autoOrient();
  let width, height;
  if (closeUp) {
    const side = Math.min(w, h);
    img = img.extract({ left: (w - side) >> 1, top: (h - side) >> 1, width: side, height: side }).resize(tile, tile, { fit: 'fill', kernel: 'mitchell' });
    width = height = tile;
  } else {
    const turn = spec.longSideHorizontal && h > w && spec.resizeWidth > spec.resizeHeight;
    if (turn) img = sharp(await img.toBuffer()).rotate(90);
    img = img.resize(spec.resizeWidth, spec.resizeHeight, { fit: 'fill', kernel: 'mitchell' });
    width = spec.resizeWidth; height = spec.resizeHeight;
  }
  const { data } = await img.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const plane = tile * tile, out = new Float32Array(views * 3 * plane);
  let view = 0;
  for (const flip of spec.flips) {
    const flipY = flip === 'Vertical' || flip === 'Both';
    for (let ty = 0; ty < down; ty++) for (let tx = 0; tx < across; tx++, view++) {
      const flipX = (flip === 'Horizontal' || flip === 'Both') !== (closeUp && (view % tiles) % 2 === 1);
      const x0 = closeUp ? 0 : tx * tile, y0 = closeUp ? 0 : ty * tile, base = view * 3 * plane;
      for (let y = 0; y < tile; y++) {
        const row = (y0 + (flipY ? tile - 1 - y : y)) * width;
        for (let x = 0; x < tile; x++) {
          const s = (row + x0 + (flipX ? tile - 1 - x : x)) * 3, i = y * tile + x;
          out[base + i] = data[s]; out[base + plane + i] = data[s + 1]; out[base + 2 * plane + i] = data[s + 2];
        }
      }
    }
  }
  return out;
}

// One inference at a time: each run waits for the one before it.
let last = Promise.resolve();
function infer(tensor) {
  const run = last.then(() => session.run({ [session.inputNames[0]]: new ort.Tensor('float32', tensor, [1, views, 3, tile, tile]) }));
  last = run.catch(() => {});
  return run;
}

function imagePart(body, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!m) return null;
  const boundary = Buffer.from('--' + (m[1] ?? m[2]));
  for (let at = body.indexOf(boundary); at >= 0;) {
    const next = body.indexOf(boundary, at + boundary.length);
    if (next < 0) break;
    const part = body.subarray(at + boundary.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split >= 0 && /name="?image"?/i.test(part.toString('latin1', 0, split))) return part.subarray(split + 4);
    at = next;
  }
  return null;
}

const server = http.createServer(async (req, res) => {
  const answer = (status, obj) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
  if (req.method === 'GET' && req.url === '/health') return answer(200, { status: 'ok' });
  if (req.method !== 'POST' || !req.url.startsWith('/v1/predict')) return answer(404, { error: 'not found' });
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const image = imagePart(Buffer.concat(chunks), req.headers['content-type']);
  if (!image) return answer(400, { error: 'multipart field "image" missing' });
  try {
    const outputs = await infer(await preprocess(image));
    const probs = outputs[primary].data;
    let best = 0;
    for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
    answer(200, { label: labels[best], probability: probs[best] });
  } catch (e) {
    answer(400, { error: String(e.message ?? e) });
  }
});
server.listen(Number(portArg ?? 0), '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
