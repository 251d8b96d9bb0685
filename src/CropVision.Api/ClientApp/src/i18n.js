// Language: follows the phone (navigator.languages) until the user picks one with the switch; the pick sticks.
// The one string table (strings.json): every text a user sees, vi and en; tests read the same file.
import strings from './strings.json';

const storageKey = 'cropvision.lang';
const listeners = new Set();
let current = initial();

function initial() {
  const saved = localStorage.getItem(storageKey);
  if (saved in strings) return saved;
  const phone = (navigator.languages || [navigator.language || 'vi']).map((l) => l.slice(0, 2).toLowerCase());
  // Vietnamese unless the phone prefers English over it.
  const en = phone.indexOf('en'), vi = phone.indexOf('vi');
  return en >= 0 && (vi < 0 || en < vi) ? 'en' : 'vi';
}

export const lang = () => current;
export const other = () => (current === 'vi' ? 'en' : 'vi');

export function setLang(value) {
  current = value;
  localStorage.setItem(storageKey, value);
  document.documentElement.lang = value;
  listeners.forEach((f) => f(value));
}

export const onLangChange = (f) => listeners.add(f);

/** The text for key in the current language, with {name} parameters filled in. */
export function t(key, params = {}) {
  const text = strings[current][key] ?? strings.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

/** Picks the current language from an API object with en/vi fields ({en, vi}, or {nameEn, nameVi} with prefix). */
export const pick = (obj, prefix = '') =>
  obj ? obj[prefix ? prefix + (current === 'vi' ? 'Vi' : 'En') : current] ?? '' : '';

document.documentElement.lang = current;
