// The confusion matrix on a survey page, once some observations are reviewed.
import { h } from '../../dom.js';
import { t } from '../../i18n.js';

export /** The confusion matrix once some observations are reviewed (rows: officer, columns: model). */
function agreement(a, labelName) {
  if (!a) return null;
  const used = a.labels.map((_, i) => a.matrix[i].some((v) => v > 0) || a.matrix.some((r) => r[i] > 0));
  const labels = a.labels.filter((_, i) => used[i]);
  const index = a.labels.map((_, i) => i).filter((i) => used[i]);
  return h('section', { class: 'card', 'data-testid': 'agreement' }, h('h2', {}, t('officer.agreement')),
    h('p', {}, t('officer.agreementLine', { agreed: a.agreed, reviewed: a.reviewed, share: Math.round(a.accuracy * 1000) / 10 })),
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}), labels.map((l) => h('th', {}, labelName(l))))),
      h('tbody', {}, index.map((r) => h('tr', {}, h('th', {}, labelName(a.labels[r])), index.map((c) => h('td', {}, String(a.matrix[r][c]))))))));
}

