// The texts the "Nghe" (listen) button plays when the phone has no Vietnamese voice: one clip per disease (name and
// advice), per severity grade, and for the uncertain and rejected answers, all from the service's catalogue
// (src/CropVision.Serving/Catalogue/diseases.json). Prints "file<TAB>text" lines; make-voice.sh speaks them.
// The same texts go to static/voice/index.json, which a test compares with the catalogue (stale audio fails it).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const catalogue = JSON.parse(readFileSync(join(here, '..', '..', '..', 'CropVision.Serving', 'Catalogue', 'diseases.json'), 'utf8'));

export function voiceTexts() {
  const texts = {};
  for (const [crop, entry] of Object.entries(catalogue)) {
    if (!entry.labels) continue;
    for (const [label, l] of Object.entries(entry.labels)) texts[`${crop}/label-${label}.ogg`] = `${l.vi}. ${l.advice?.vi ?? ''}`.trim();
    for (const [grade, s] of Object.entries(entry.severity ?? {})) texts[`${crop}/severity-${grade}.ogg`] = `Mức độ: ${s.vi}.`;
  }
  const top = (key) => catalogue[key]?.vi ?? catalogue.messages?.[key]?.vi;
  for (const key of ['uncertain', 'rejected']) if (top(key)) texts[`${key}.ogg`] = top(key);
  return texts;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, text] of Object.entries(voiceTexts())) console.log(`${file}\t${text}`);
}
