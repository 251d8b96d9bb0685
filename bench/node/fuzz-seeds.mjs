// Writes the fuzzer's seed files that .NET's encoders cannot make, from one real photo, small so they can live in git:
// progressive, CMYK, greyscale and 4:4:4 JPEGs (1024x512, so the service decodes them at 1/2 scale in the DCT domain),
// an animated WebP, 16-bit, interlaced and palette PNGs (256x128). Usage (from bench/node, after npm ci --ignore-scripts):
//   node fuzz-seeds.mjs ../../../shared/datasets/bracol-leaf/rust/99.jpg ../CropVision.Bench/Fuzz/seeds
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const [photo, out] = process.argv.slice(2);
if (!photo || !out) { console.error('usage: node fuzz-seeds.mjs PHOTO OUT_FOLDER'); process.exit(2); }
mkdirSync(out, { recursive: true });
const small = () => sharp(photo).resize(256, 128, { fit: 'fill' });
const medium = () => sharp(photo).resize(1024, 512, { fit: 'fill' });
const write = async (name, pipeline) => { const info = await pipeline.toFile(path.join(out, name)); console.log(name, info.size, 'bytes'); };

await write('progressive.jpg', medium().jpeg({ quality: 85, progressive: true }));
await write('cmyk.jpg', medium().toColourspace('cmyk').jpeg({ quality: 85 }));
await write('cmyk-progressive.jpg', medium().toColourspace('cmyk').jpeg({ quality: 85, progressive: true }));
await write('grey.jpg', medium().greyscale().jpeg({ quality: 85 }));
await write('444.jpg', medium().jpeg({ quality: 85, chromaSubsampling: '4:4:4' }));
await write('optimised-scans.jpg', medium().jpeg({ quality: 85, progressive: true, optimiseScans: true, trellisQuantisation: true }));
await write('rgb16.png', small().toColourspace('rgb16').png());
await write('interlaced.png', small().png({ progressive: true }));
await write('palette.png', small().png({ palette: true, colours: 64 }));
await write('grey-alpha.png', small().greyscale().ensureAlpha(0.5).png());
await write('lossless.webp', small().webp({ lossless: true }));
await write('alpha.webp', small().ensureAlpha(0.5).webp({ quality: 80 }));
// Three frames of the same leaf (as it is, mirrored, upside down), 200 ms each.
const frames = await Promise.all([small(), small().flop(), small().flip()].map(p => p.png().toBuffer()));
await write('animated.webp', sharp(frames, { join: { animated: true } }).webp({ quality: 80, loop: 0, delay: [200, 200, 200] }));
