// Reference pictures (issue 17, item 7): under a sure answer, 2-3 example leaves of that disease from the model's
// training photos (BRACOL train split), so the farmer can compare, with their source and licence. The pictures and
// their list (/refs/index.json, made by tools/make-references.sh) are precached by the service worker for offline use.
import { h } from './dom.js';
import { t } from './i18n.js';
import './references.css';

let index = null;
const loadIndex = () => {
  index ??= fetch('/refs/index.json').then((r) => (r.ok ? r.json() : null)).catch(() => { index = null; return null; });
  return index;
};

/** The examples section for an answer (filled in when the list has loaded), or null when there is nothing to show. */
export function referencePictures(answer) {
  if (answer.status !== 'ok') return null;
  const section = h('section', { class: 'references', 'data-testid': 'references', 'data-label': answer.label, hidden: true });
  loadIndex().then((refs) => {
    const items = refs?.crops?.[answer.crop]?.[answer.label];
    if (!items?.length) return;
    section.append(
      h('h3', {}, t('refs.title')),
      h('div', { class: 'pictures' }, items.slice(0, 3).map((item) =>
        h('img', { src: `/refs/${item.file}`, alt: `${answer.predictions[0].vi} (${item.dataset})`, loading: 'lazy', 'data-testid': 'reference-picture' }))),
      h('p', { class: 'licence', 'data-testid': 'references-licence' },
        t('refs.source', { source: refs.source, licence: '' }).replace(/\s*\.$/, ''), ' ',
        h('a', { href: refs.licenceUrl, rel: 'license noopener', target: '_blank' }, refs.licence), '.'));
    section.hidden = false;
  });
  return section;
}
