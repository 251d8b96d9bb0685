// The libvips side of the decode benchmark: sharp decodes a JPEG and resizes it to the same model tensor as
// CropVision's path (wide: 448x224 cut into two 224x224 tiles, each as it is and flipped both ways; planar RGB floats,
// 0..255), one image at a time on one libvips thread. The bench runs it on the same bytes in the same run.
// Usage: node decode.mjs FILE ITERATIONS [resizeWidth resizeHeight tileSize]
// Prints one JSON line: {"medianMs":..,"p90Ms":..,"floats":..,"times":[every iteration, ms]}
import { readFileSync } from 'node:fs';
import sharp from 'sharp';

const [file, iterationsArg = '15', w = '448', h = '224', s = '224'] = process.argv.slice(2);
const iterations = Number(iterationsArg), width = Number(w), height = Number(h), tile = Number(s);
sharp.concurrency(1); // one libvips worker thread, as the .NET side runs on one thread
sharp.cache(false);   // no operation cache: every iteration decodes afresh
const bytes = readFileSync(file);
const tilesAcross = width / tile, tilesDown = height / tile, plane = tile * tile;
const flips = [[false, false], [true, true]]; // None, Both: the served model's flips

async function toTensor() {
  const { data } = await sharp(bytes).rotate() // upright by EXIF orientation
    .resize(width, height, { fit: 'fill', kernel: 'mitchell' })
    .removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const tensor = new Float32Array(flips.length * tilesAcross * tilesDown * 3 * plane);
  let view = 0;
  for (const [flipX, flipY] of flips)
    for (let ty = 0; ty < tilesDown; ty++)
      for (let tx = 0; tx < tilesAcross; tx++, view++) {
        const at = view * 3 * plane;
        for (let y = 0; y < tile; y++) {
          const sy = ty * tile + (flipY ? tile - 1 - y : y);
          for (let x = 0; x < tile; x++) {
            const src = (sy * width + tx * tile + (flipX ? tile - 1 - x : x)) * 3, i = y * tile + x;
            tensor[at + i] = data[src];
            tensor[at + plane + i] = data[src + 1];
            tensor[at + 2 * plane + i] = data[src + 2];
          }
        }
      }
  return tensor;
}

await toTensor(); // warm-up
const times = [];
let floats = 0;
for (let i = 0; i < iterations; i++) {
  const start = process.hrtime.bigint();
  floats = (await toTensor()).length;
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
const sorted = [...times].sort((a, b) => a - b);
console.log(JSON.stringify({ medianMs: sorted[iterations >> 1], p90Ms: sorted[Math.ceil(iterations * 0.9) - 1], floats, times }));
