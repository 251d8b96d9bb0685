// An observation's review trail (who, when, from what to what, comment) with an undo that adds one more step.
import { h, render } from '../../dom.js';
import { lang, t } from '../../i18n.js';
import { plotsApi } from '../plots-api.js';
import { reason } from '../session.js';

/**
 * A block listing the trail of the observation at base (its URL); labelName names labels; onUndone(observation) is
 * called after an undo with the observation as it is now.
 */
export function reviewTrail(base, labelName, onUndone) {
  const el = h('div', { class: 'trail', 'data-testid': 'review-trail' });
  const verdict = (v) => (v.reviewed ? `${labelName(v.label)}${v.severity != null ? ` (${t('officer.severity')} ${v.severity})` : ''}` : t('officer.notReviewed'));
  const show = async () => {
    try {
      const { events } = await plotsApi.trail(base);
      const key = { review: 'officer.trailReview', undo: 'officer.trailUndo', clear: 'officer.trailClear' };
      render(el, h('h4', {}, t('officer.trail')),
        events.length === 0 ? h('p', {}, t('officer.trailEmpty')) : h('ol', {}, events.map((e) => h('li', { 'data-testid': 'trail-event', 'data-kind': e.kind },
          `${new Date(e.at).toLocaleString(lang() === 'vi' ? 'vi-VN' : 'en-GB')} · `,
          t(key[e.kind], { by: e.by, from: verdict(e.from), to: verdict(e.to) }), e.comment ? ` · “${e.comment}”` : ''))),
        events.length ? h('button', {
          type: 'button', class: 'button', 'data-testid': 'undo',
          onclick: async () => {
            try { const done = await plotsApi.undo(base); onUndone?.(done.observation); await show(); } catch (err) { el.append(h('p', { class: 'error' }, t('officer.error', { reason: reason(err) }))); }
          },
        }, t('officer.undo')) : null);
    } catch (err) { render(el, t('officer.error', { reason: reason(err) })); }
  };
  show();
  el.refresh = show;
  return el;
}
