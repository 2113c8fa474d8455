// The admin pages (team server, admins only): the audit log with filters, and the accounts (add, role, password,
// sign out everywhere, remove). The server checks the role of every request; this page only leaves out what others could not use.
import type { AccountView, AuditEntry, ProjectCard } from '../api-types.js';
import { serverApi, type AuditQuery } from './api-client.js';
import { h } from './create-element.js';
import { formatTime, formatWords } from './format-values.js';
import { emptyNote, errorBox, sectionCard } from './page-context.js';

const ACTIONS = ['login', 'login_failed', 'logout', 'run_start', 'run_stop', 'cloud_run_start', 'job_stop', 'schedule_enable', 'schedule_disable', 'user_add', 'user_remove', 'user_passwd', 'user_role', 'user_signout'];
const ROLES = ['viewer', 'operator', 'admin'];
const PAGE = 100;

type Notify = (message: string, kind?: 'info' | 'error') => void;

function select(name: string, options: string[], empty: string): HTMLSelectElement {
  return h('select', { name, 'data-filter': name }, h('option', { value: '' }, empty), options.map((o) => h('option', { value: o }, formatWords(o))));
}

function auditRow(entry: AuditEntry): HTMLTableRowElement {
  return h(
    'tr',
    { class: `audit-row outcome-${entry.outcome}`, 'data-action': entry.action, 'data-outcome': entry.outcome },
    h('td', { class: 'nowrap mono small' }, formatTime(entry.time)),
    h('td', {}, entry.user ?? h('span', { class: 'muted' }, '–'), entry.role ? h('span', { class: 'muted small' }, ` (${entry.role})`) : null),
    h('td', {}, h('span', { class: 'tag' }, formatWords(entry.action))),
    h('td', {}, h('span', { class: `tag ${entry.outcome === 'ok' ? 'tag-ok' : 'tag-failed'}` }, entry.outcome)),
    h('td', { class: 'mono small' }, entry.project ?? ''),
    h('td', { class: 'mono small' }, entry.target ?? ''),
    h('td', { class: 'small' }, entry.detail ?? '', entry.status ? h('span', { class: 'muted' }, ` (${entry.status})`) : null),
    h('td', { class: 'mono small nowrap' }, entry.from),
  );
}

function auditSection(projects: ProjectCard[]): HTMLElement {
  const user = h('input', { name: 'user', placeholder: 'user', 'data-filter': 'user' });
  const action = select('action', ACTIONS, 'any action');
  const project = select('project', projects.map((p) => p.id), 'any project');
  const outcome = select('outcome', ['ok', 'denied', 'failed'], 'any outcome');
  const text = h('input', { name: 'q', placeholder: 'text anywhere', 'data-filter': 'q' });
  const since = h('input', { name: 'since', type: 'date', title: 'from this day (UTC)' });
  const until = h('input', { name: 'until', type: 'date', title: 'to this day (UTC)' });
  const body = h('tbody', {});
  const table = h(
    'table',
    { class: 'table audit-table' },
    h('thead', {}, h('tr', {}, ['time', 'user', 'action', 'outcome', 'project', 'target', 'detail', 'from'].map((c) => h('th', {}, c)))),
    body,
  );
  const status = h('p', { class: 'muted small' });
  const more = h('button', { class: 'button button-quiet', hidden: true }, 'Older →');
  let next: number | undefined;
  const query = (): AuditQuery => ({
    user: user.value.trim(),
    action: action.value,
    project: project.value,
    outcome: outcome.value,
    q: text.value.trim(),
    since: since.value ? `${since.value}T00:00:00.000Z` : undefined,
    until: until.value ? `${until.value}T23:59:59.999Z` : undefined,
    limit: PAGE,
  });
  const load = async (append: boolean): Promise<void> => {
    try {
      const page = await serverApi.audit({ ...query(), before: append ? next : undefined });
      if (!append) body.replaceChildren();
      body.append(...page.entries.map(auditRow));
      next = page.next;
      more.hidden = next === undefined;
      const shown = body.children.length;
      status.textContent = shown === 0 ? 'No entries match.' : `${shown} entr${shown === 1 ? 'y' : 'ies'}, newest first${page.truncated ? ' (a large log: the search stopped early; “Older” reads on)' : ''}.`;
    } catch (error) {
      status.replaceChildren(errorBox('Could not read the audit log', (error as Error).message));
    }
  };
  const form = h('form', { class: 'filters', 'data-form': 'audit' }, user, action, project, outcome, text, since, until, h('button', { class: 'button', type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load(false);
  });
  for (const field of [action, project, outcome, since, until]) field.addEventListener('change', () => void load(false));
  more.addEventListener('click', () => void load(true));
  void load(false);
  return sectionCard('Audit log', form, status, h('div', { class: 'table-scroll' }, table), h('div', { class: 'pager' }, more));
}

function accountsSection(notify: Notify, self: string): HTMLElement {
  const body = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
  const reload = async (): Promise<void> => {
    try {
      const { users, file } = await serverApi.users();
      body.replaceChildren(
        file ? h('p', { class: 'muted small path' }, file) : '',
        users.length ? accountsTable(users) : emptyNote('No accounts yet.'),
        addForm(),
      );
    } catch (error) {
      body.replaceChildren(errorBox('Accounts', (error as Error).message));
    }
  };
  const done = (result: { status: number; body: { message: string } }): void => {
    notify(result.body.message, result.status < 400 ? 'info' : 'error');
    void reload();
  };
  const accountsTable = (users: AccountView[]): HTMLElement =>
    h(
      'table',
      { class: 'table accounts-table' },
      h('thead', {}, h('tr', {}, ['name', 'role', 'signs in with', 'changed', ''].map((c) => h('th', {}, c)))),
      h(
        'tbody',
        {},
        users.map((account) => {
          const role = h('select', { 'data-role-of': account.name }, ROLES.map((r) => h('option', { value: r, selected: r === account.role }, r)));
          role.addEventListener('change', async () => done(await serverApi.setUserRole(account.name, role.value)));
          const reset = h('button', { class: 'button button-quiet' }, 'New password…');
          reset.addEventListener('click', () => {
            const field = h('input', { type: 'password', autocomplete: 'new-password', placeholder: 'new password (12+ characters)' });
            const save = h('button', { class: 'button button-quiet' }, 'Save');
            save.addEventListener('click', async () => done(await serverApi.setUserPassword(account.name, field.value)));
            reset.replaceWith(h('span', { class: 'inline-form' }, field, save));
            field.focus();
          });
          const remove = h('button', { class: 'button button-quiet button-danger-quiet', disabled: account.name === self, title: account.name === self ? 'you cannot remove yourself' : '' }, 'Remove');
          remove.addEventListener('click', async () => {
            if (!window.confirm(`Remove the account ${account.name}? Its sessions end at once.`)) return;
            done(await serverApi.removeUser(account.name));
          });
          // Every session of the account ends (a lost laptop, a shared screen left signed in), the account stays.
          const signOut = h('button', { class: 'button button-quiet', 'data-action': 'sign-out-everywhere', title: 'end every session of this account, in every browser' }, 'Sign out everywhere');
          signOut.addEventListener('click', async () => {
            const yourself = account.name === self ? ' This signs you out too.' : '';
            if (!window.confirm(`Sign ${account.name} out everywhere? Every session of the account ends at once (it can sign in again).${yourself}`)) return;
            done(await serverApi.signOutUser(account.name));
          });
          return h(
            'tr',
            { 'data-account': account.name },
            h('td', { class: 'mono' }, account.name),
            h('td', {}, role),
            h('td', {}, account.password ? 'password' : 'single sign-on only'),
            h('td', { class: 'small nowrap' }, formatTime(account.changed)),
            h('td', { class: 'nowrap' }, reset, ' ', signOut, ' ', remove),
          );
        }),
      ),
    );
  const addForm = (): HTMLElement => {
    const name = h('input', { name: 'name', placeholder: 'name', required: true, autocomplete: 'off' });
    const role = h('select', { name: 'role' }, ROLES.map((r) => h('option', { value: r }, r)));
    const password = h('input', { name: 'password', type: 'password', placeholder: 'password (12+ characters; empty: sign-on only)', autocomplete: 'new-password' });
    const form = h('form', { class: 'filters', 'data-form': 'add-account' }, name, role, password, h('button', { class: 'button', type: 'submit' }, 'Add account'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      done(await serverApi.addUser(name.value.trim(), role.value, password.value === '' ? null : password.value));
    });
    return h('div', { class: 'add-account' }, h('h3', { class: 'subhead' }, 'Add an account'), form);
  };
  void reload();
  return sectionCard('Accounts', body);
}

/** `#/admin`: the audit log first (what admins come for), then the accounts. */
export function showAdminPage(container: HTMLElement, options: { notify: Notify; self: string }): void {
  container.append(h('div', { class: 'page-head' }, h('h1', {}, 'Admin'), h('p', { class: 'muted' }, 'Who did what, when and from where; and who may sign in.')));
  const audit = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
  container.append(audit, accountsSection(options.notify, options.self));
  void serverApi
    .projects()
    .catch(() => ({ projects: [] as ProjectCard[] }))
    .then(({ projects }) => audit.replaceChildren(auditSection(projects)));
}
