// Admins: the accounts (#/accounts), with unlock, and a form for a new officer.
import { h, render } from '../../dom.js';
import { t } from '../../i18n.js';
import { officerApi } from '../api.js';
import { reason, root, shell } from '../session.js';

const roleName = (role) => ({ admin: t('officer.roleAdmin'), officer: t('officer.roleOfficer') }[role] ?? role);

export async function accountsPage() {
  const accounts = await officerApi.accounts();
  const f = {
    userName: h('input', { name: 'userName', required: true, autocomplete: 'off', 'data-testid': 'account-user' }),
    password: h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password', 'data-testid': 'account-password' }),
    team: h('input', { name: 'team', required: true, 'data-testid': 'account-team' }),
    role: h('select', { name: 'role' }, h('option', { value: 'officer' }, t('officer.roleOfficer')), h('option', { value: 'admin' }, t('officer.roleAdmin'))),
  };
  const message = h('p', { role: 'status' });
  const form = h('form', {
    class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const roles = f.role.value === 'admin' ? ['admin', 'officer'] : ['officer'];
        const created = await officerApi.createAccount({ userName: f.userName.value, password: f.password.value, team: f.team.value, roles });
        await accountsPage();
        render(root.querySelector('[data-testid=account-message]'), t('officer.accountCreated', { name: created.userName }));
      } catch (err) { render(message, t('officer.error', { reason: reason(err) })); }
    },
  }, h('h2', {}, t('officer.newAccount')),
  h('label', {}, t('officer.userName'), f.userName), h('label', {}, t('officer.password'), f.password),
  h('label', {}, t('officer.team'), f.team), h('label', {}, t('officer.role'), f.role),
  h('button', { type: 'submit', class: 'button primary', 'data-testid': 'create-account' }, t('officer.create')), message);
  shell(
    h('p', {}, h('a', { href: '#/', class: 'button' }, t('officer.back'))),
    h('p', { role: 'status', 'data-testid': 'account-message' }),
    h('section', {}, h('h2', {}, t('officer.accounts')),
      h('table', { class: 'observations', 'data-testid': 'accounts' },
        h('thead', {}, h('tr', {}, ['userName', 'team', 'roles', 'locked'].map((k) => h('th', {}, t(`officer.${k}`))))),
        h('tbody', {}, accounts.map((a) => h('tr', { 'data-testid': 'account-row' },
          h('td', { 'data-head': t('officer.userName') }, a.userName), h('td', { 'data-head': t('officer.team') }, a.team),
          h('td', { 'data-head': t('officer.roles') }, a.roles.map(roleName).join(', ')),
          h('td', {}, a.lockedOut ? h('button', {
            type: 'button', class: 'button', onclick: async () => { await officerApi.changeAccount(a.userName, { locked: false }); accountsPage(); },
          }, t('officer.unlock')) : '')))))),
    form);
}

