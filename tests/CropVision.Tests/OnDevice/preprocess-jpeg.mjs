// Test driver for FramingByContentTests: preprocesses each JPEG named on stdin (one path a line) with the phone's
// preprocessing (ClientApp/src/ondevice/preprocess.js, the spec as JSON in argv[3]) and writes, per file, a line
// "framing floats" (or "null") followed by the tensor as little-endian float32 to the output file argv[4].
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const { preprocessJpeg } = await import(pathToFileURL(process.argv[2]).href);
const spec = JSON.parse(process.argv[3]);
const chunks = [];
for (const file of readFileSync(0, 'utf8').split('\n').filter((l) => l.trim())) {
  const r = preprocessJpeg(new Uint8Array(readFileSync(file)), spec);
  if (!r.tensor) { chunks.push(Buffer.from('null\n')); continue; }
  chunks.push(Buffer.from(`${r.framing} ${r.tensor.length}\n`), Buffer.from(r.tensor.buffer, r.tensor.byteOffset, r.tensor.byteLength));
}
writeFileSync(process.argv[4], Buffer.concat(chunks));
