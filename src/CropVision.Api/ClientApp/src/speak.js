// "Nghe" (listen): reads the answer and its advice aloud in Vietnamese (issue 17, item 6). With a Vietnamese voice in
// the browser (speechSynthesis.getVoices(), lang starting 'vi'), the text is spoken; without one (most Android
// phones without the Vietnamese pack, and Chromium on Linux), short Opus clips made at build time from the catalogue
// by tools/make-voice.sh (espeak-ng) are played in turn: the disease's name and advice, then its severity; the
// uncertain and rejected messages have their own. The service worker keeps the clips for offline use.
import { h } from './dom.js';
import { t } from './i18n.js';
import strings from './strings.json';
import './speak.css';

const vi = (key) => strings.vi[key];
let playing = null; // {stop()} of what is being read now

/** The browser's Vietnamese voice, or null. */
export function vietnameseVoice() {
  const synth = globalThis.speechSynthesis;
  if (!synth?.getVoices) return null;
  return synth.getVoices().find((v) => (v.lang ?? '').toLowerCase().replace('_', '-').startsWith('vi')) ?? null;
}

/** What is read, in Vietnamese whatever the page's language (the farmer's language). */
export function speechText(answer) {
  if (answer.status === 'rejected') return answer.advice.vi;
  if (answer.status === 'uncertain') {
    return `${vi('answer.uncertain')} ${answer.predictions.slice(0, 2).map((p) => p.vi).join(', ')}. ${answer.advice.vi}`;
  }
  const severity = answer.severity ? ` ${vi('answer.severity').replace('{grade}', answer.severity.vi)}.` : '';
  return `${answer.predictions[0].vi}.${severity} ${answer.advice.vi}`;
}

/** The prebuilt clips for an answer, in the order they are played. */
export function clipsFor(answer) {
  if (answer.status === 'rejected') return ['/voice/rejected.ogg'];
  if (answer.status === 'uncertain') return ['/voice/uncertain.ogg'];
  return [`/voice/${answer.crop}/label-${answer.label}.ogg`, answer.severity && `/voice/${answer.crop}/severity-${answer.severity.grade}.ogg`].filter(Boolean);
}

function speak(text, voice, done) {
  const synth = globalThis.speechSynthesis;
  const u = new SpeechSynthesisUtterance(text);
  u.lang = 'vi-VN';
  try { u.voice = voice; } catch { /* lang alone picks it */ }
  u.onend = u.onerror = done;
  synth.cancel();
  synth.speak(u);
  return { stop: () => synth.cancel() };
}

function playClips(urls, audio, done) {
  let i = 0;
  const next = () => {
    if (i >= urls.length) { done(); return; }
    audio.src = urls[i++];
    audio.play().catch(() => {}); // a clip that cannot play (offline and not cached) ends the reading on 'error'
  };
  audio.onended = next;
  audio.onerror = done;
  next();
  return { stop: () => { audio.pause(); audio.onended = null; } };
}

/** The "Nghe" button for an answer card. */
export function listenButton(answer) {
  const audio = h('audio', { preload: 'none', 'data-testid': 'voice-audio', hidden: true });
  const button = h('button', { type: 'button', class: 'listen', 'data-testid': 'listen', 'aria-pressed': 'false' }, `🔊 ${t('speak.listen')}`);
  const reset = () => { playing = null; button.setAttribute('aria-pressed', 'false'); button.textContent = `🔊 ${t('speak.listen')}`; };
  button.addEventListener('click', () => {
    if (playing) { playing.stop(); reset(); return; }
    const voice = vietnameseVoice();
    button.dataset.mode = voice ? 'voice' : 'audio';
    button.setAttribute('aria-pressed', 'true');
    button.textContent = `⏹ ${t('speak.stop')}`;
    playing = voice ? speak(speechText(answer), voice, reset) : playClips(clipsFor(answer), audio, reset);
  });
  return h('div', { class: 'listen-row' }, button, audio);
}
