// Test driver for OnDeviceJpegDecodeTests: decodes each JPEG named on stdin (one "path width height" a line: the
// upright size wanted) with the phone's decoder (ClientApp/src/ondevice/jpegscaled.js) and writes, per file, a
// line "width height eighths exact" (or "null") followed by the raw RGBA bytes to the output file argv[3].
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const { decodeUpright } = await import(pathToFileURL(process.argv[2]).href);
const lines = readFileSync(0, 'utf8').split('\n').filter((l) => l.trim());
const chunks = [];
for (const line of lines) {
  const parts = line.split('\t');
  const img = decodeUpright(readFileSync(parts[0]), () => [Number(parts[1]), Number(parts[2])]);
  if (!img) { chunks.push(Buffer.from('null\n')); continue; }
  chunks.push(Buffer.from(`${img.width} ${img.height} ${img.eighths} ${img.exact}\n`), Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength));
}
writeFileSync(process.argv[3], Buffer.concat(chunks));
