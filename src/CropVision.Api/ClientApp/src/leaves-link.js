// The link from the one-leaf page to "several leaves, one answer" (leaves.js registers that page, after the others).
import { h } from './dom.js';
import { t } from './i18n.js';

export const addLeavesLink = () =>
  h('a', { href: '#/leaves', class: 'button', 'data-testid': 'leaves-link' }, t('leaves.link'));
