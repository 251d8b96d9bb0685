// Files the farmer's page uses beside the shell, copied as they are from static/ into wwwroot/ and precached by the
// service worker for offline use (issue 17): the read-aloud clips (static/voice, tools/make-voice.sh) and the
// reference pictures (static/refs, tools/make-references.mjs). Returns their URL paths.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const walk = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));

export function copyMedia(here, out) {
  const files = [];
  for (const name of ['voice', 'refs']) {
    const from = join(here, 'static', name);
    if (!existsSync(from)) continue;
    cpSync(from, join(out, name), { recursive: true });
    files.push(...walk(from).map((f) => `/${name}/${relative(from, f).split('\\').join('/')}`));
  }
  return files.sort();
}
