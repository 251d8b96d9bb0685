// Builds the web app into ../wwwroot: one minified, content-hashed JS bundle and CSS file per entry (long-lived cache),
// generated PNG icons (hashed), index.html and manifest.webmanifest pointing at the hashed names, and the service
// worker (unhashed: browsers look for it at a fixed URL) with the list of shell files it caches.
// Run by the API project's MSBuild target (npm ci, then node build.mjs); by hand: `npm ci && node build.mjs`.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderIcon } from './icon.mjs';
import { copyMedia } from './media.mjs'; // issue 17: read-aloud clips and reference pictures

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'wwwroot');
const assets = join(out, 'assets');
rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const hashName = (name, bytes) => {
  const dot = name.lastIndexOf('.');
  return `${name.slice(0, dot)}-${createHash('sha256').update(bytes).digest('hex').slice(0, 10)}${name.slice(dot)}`;
};
const writeHashed = (name, bytes) => {
  const file = hashName(name, bytes);
  writeFileSync(join(assets, file), bytes);
  return `/assets/${file}`;
};

// The app: src/main.js imports everything else (pages, strings, styles).
const result = await build({
  entryPoints: [join(here, 'src', 'main.js')],
  bundle: true, minify: true, format: 'esm', target: ['es2020'],
  outdir: assets, entryNames: '[name]-[hash]', metafile: true, legalComments: 'none', logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((p) => `/assets/${basename(p)}`);
const js = outputs.find((p) => p.endsWith('.js'));
const css = outputs.find((p) => p.endsWith('.css'));

// The officer pages (survey list, map, review, upload, exports): their own bundle, so the farmer's page stays light.
// Leaflet's stylesheet names a few pictures (layer control, default markers): copied as hashed files.
const officer = await build({
  entryPoints: [join(here, 'src', 'officer', 'main.js')],
  bundle: true, minify: true, format: 'esm', target: ['es2020'], loader: { '.png': 'file', '.svg': 'file' },
  outdir: assets, entryNames: 'officer-[hash]', assetNames: '[name]-[hash]', publicPath: '/assets/', metafile: true, legalComments: 'none', logLevel: 'warning',
});
const officerOutputs = Object.keys(officer.metafile.outputs).map((p) => `/assets/${basename(p)}`);
const officerJs = officerOutputs.find((p) => p.endsWith('.js'));
const officerCss = officerOutputs.find((p) => p.endsWith('.css'));

const icons = {
  192: writeHashed('icon-192.png', renderIcon(192)),
  512: writeHashed('icon-512.png', renderIcon(512)),
  maskable: writeHashed('icon-maskable-512.png', renderIcon(512, { maskable: true })),
};

// Texts come from the string table, like everything a user reads (Vietnamese first).
const strings = JSON.parse(readFileSync(join(here, 'src', 'strings.json'), 'utf8'));
const both = (key) => `${strings.vi[key]} ${strings.en[key]}`;
const manifest = JSON.parse(readFileSync(join(here, 'static', 'manifest.webmanifest'), 'utf8'));
manifest.name = strings.vi['app.name'];
manifest.description = both('app.description');
manifest.icons = [
  { src: icons[192], sizes: '192x192', type: 'image/png', purpose: 'any' },
  { src: icons[512], sizes: '512x512', type: 'image/png', purpose: 'any' },
  { src: icons.maskable, sizes: '512x512', type: 'image/png', purpose: 'maskable' },
];
writeFileSync(join(out, 'manifest.webmanifest'), JSON.stringify(manifest));

const html = readFileSync(join(here, 'static', 'index.html'), 'utf8')
  .replaceAll('{{css}}', css).replaceAll('{{js}}', js).replaceAll('{{icon}}', icons[192]).replaceAll('{{needsScript}}', both('app.needsScript'));
writeFileSync(join(out, 'index.html'), html);
mkdirSync(join(out, 'officer'), { recursive: true });
writeFileSync(join(out, 'officer', 'index.html'), readFileSync(join(here, 'static', 'officer.html'), 'utf8')
  .replaceAll('{{css}}', officerCss).replaceAll('{{js}}', officerJs).replaceAll('{{icon}}', icons[192]).replaceAll('{{needsScript}}', both('app.needsScript')));

// Diagnosis on the phone (src/ondevice/): onnxruntime-web's WASM build, only the files it loads (the ES module API, the
// Emscripten glue and the SIMD WASM binary), copied from node_modules under a versioned folder. Not in the shell: the
// page imports them only when the farmer asks to download the model, and keeps them in the 'ondevice' cache.
const ortDist = join(here, 'node_modules', 'onnxruntime-web', 'dist');
const ortVersion = JSON.parse(readFileSync(join(here, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')).version;
const ortOut = join(assets, `ort-${ortVersion}`);
mkdirSync(ortOut, { recursive: true });
for (const f of ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) copyFileSync(join(ortDist, f), join(ortOut, f));

// The service worker caches exactly these; its version changes whenever any of them does.
const shell = ['/', '/manifest.webmanifest', js, css, icons[192], icons[512], icons.maskable];
const version = createHash('sha256').update(shell.join('\n') + html).digest('hex').slice(0, 12);
const media = copyMedia(here, out); // issue 17 hook: precached apart from the shell (not part of its budget)
const mediaVersion = createHash('sha256').update(media.map((f) => f + statSync(join(out, f)).size).join('\n')).digest('hex').slice(0, 12);
await build({
  entryPoints: [join(here, 'src', 'sw.js')],
  bundle: true, minify: true, format: 'iife', target: ['es2020'], outfile: join(out, 'sw.js'), logLevel: 'warning',
  define: { SHELL_FILES: JSON.stringify(shell), SHELL_VERSION: JSON.stringify(version), MEDIA_FILES: JSON.stringify(media), MEDIA_VERSION: JSON.stringify(mediaVersion) },
});
// The officer pages' own service worker (/officer/sw.js, scope /officer/): their shell, apart from the farmer's.
const officerShell = ['/officer/', ...officerOutputs, icons[192]];
await build({
  entryPoints: [join(here, 'src', 'officer', 'sw.js')],
  bundle: true, minify: true, format: 'iife', target: ['es2020'], outfile: join(out, 'officer', 'sw.js'), logLevel: 'warning',
  define: {
    SHELL_FILES: JSON.stringify(officerShell),
    SHELL_VERSION: JSON.stringify(createHash('sha256').update(officerShell.join('\n')).digest('hex').slice(0, 12)),
  },
});
console.log(`web app built into ${out}: ${js}, ${css}, shell version ${version}`);
