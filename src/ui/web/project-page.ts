// The Project page: each task drawn as its pipeline, with the venvs, variables, envs, secret names and schedules.
import type { OverviewResponse, ProjectResponse } from '../api-types.js';
import type { Project, Task } from '../../project/types.js';
import { h, svg } from './create-element.js';
import { drawPipelineGraph } from './pipeline-graph.js';
import { emptyNote, loadInto, projectErrorBox, sectionCard, type Page, type PageContext } from './page-context.js';
import { plural } from '../../plural.js';

function describeBody(task: Task): string {
  switch (task.body.kind) {
    case 'commands':
      return `${plural(task.body.commands.length, 'command')}, one after another`;
    case 'pipeline': {
      const commands = task.body.elements.filter((e) => e.kind === 'command').length;
      const tail = task.body.elements.find((e) => e.kind !== 'command');
      return `pipeline of ${plural(commands, 'command')}${tail ? `, then ${tail.kind}` : ''}`;
    }
    case 'tasks':
      return `${plural(task.body.tasks.length, 'nested task')}, in order`;
  }
}

function taskBadges(task: Task): HTMLElement[] {
  const badges: HTMLElement[] = [];
  if (!task.active) badges.push(h('span', { class: 'tag tag-muted' }, 'inactive'));
  if (task.timeout) badges.push(h('span', { class: 'tag' }, `timeout ${task.timeout}s`));
  if (task.retries) badges.push(h('span', { class: 'tag' }, `retries ${task.retries}`));
  if (!task.killDownstreamOnFail) badges.push(h('span', { class: 'tag', title: 'a failure does not stop the tasks after it' }, 'continues on failure'));
  return badges;
}

function legend(): HTMLElement {
  const sample = (cls: string, label: string) =>
    h('span', { class: 'legend-item' }, svg('svg', { width: 34, height: 10, class: 'legend-line' }, svg('path', { d: 'M1 5 L33 5', class: `edge edge-${cls}` })), label);
  return h('div', { class: 'legend' }, sample('pipe', 'pipe (stdout → stdin)'), sample('then', 'then (after it ends)'), sample('tee', 'fork (a copy to each branch)'), h('span', { class: 'legend-item' }, '↻ foreach: sub-tasks once per input line'));
}

function taskCard(task: Task): HTMLElement {
  return h(
    'article',
    { class: `task-card${task.active ? '' : ' inactive'}`, 'data-task': task.name },
    h('header', { class: 'task-head' }, h('h3', {}, task.name), ...taskBadges(task), h('span', { class: 'muted small' }, describeBody(task))),
    task.description ? h('p', { class: 'task-description' }, task.description) : null,
    h('div', { class: 'graph-scroll' }, drawPipelineGraph(task)),
  );
}

function table(header: string[], rows: Array<Array<Node | string>>, cls = ''): HTMLElement {
  return h('table', { class: `table ${cls}` }, h('thead', {}, h('tr', {}, header.map((c) => h('th', {}, c)))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))));
}

function code(text: string): HTMLElement {
  return h('code', {}, text);
}

function sideSections(data: ProjectResponse, project: Project, href: (path: string) => string): HTMLElement[] {
  const sections: HTMLElement[] = [];
  sections.push(
    sectionCard(
      'Venvs',
      project.installs.length
        ? table(
            ['venv', 'install command'],
            project.installs.map((i) => [i.venv ? code(i.venv) : h('span', { class: 'muted' }, '(none)'), h('div', {}, code(i.command), i.description ? h('div', { class: 'muted small' }, i.description) : null)]),
          )
        : emptyNote('No installs: commands run with the tools on PATH.'),
    ),
  );
  sections.push(
    sectionCard(
      'Secrets',
      h('p', { class: 'muted small' }, 'Names only: values never leave handoff. ', h('span', { class: 'path' }, data.secretsFile)),
      data.secretsProblem ? h('p', { class: 'warning-text' }, data.secretsProblem) : null,
      data.secrets.length
        ? table(
            ['key', 'level', ''],
            data.secrets.map((s) => [code(s.key), s.level, h('span', { class: 'muted small' }, [s.usedByEnvs ? 'env' : '', s.push ? '' : 'local only'].filter(Boolean).join(' · '))]),
            'secrets-table',
          )
        : emptyNote('No secrets for this stage.'),
    ),
  );
  if (project.vars.length) {
    sections.push(sectionCard('Variables', table(['key', 'value'], project.vars.map((v) => [code(v.key), h('div', {}, code(String(v.value ?? '')), v.description ? h('div', { class: 'muted small' }, v.description) : null)]))));
  }
  if (project.envs.length) {
    sections.push(
      sectionCard(
        'Environment',
        table(
          ['key', 'value'],
          project.envs.map((e) => [code(e.key), e.value === undefined ? h('span', { class: 'tag tag-secret' }, 'from secret') : code(e.value)]),
        ),
      ),
    );
  }
  sections.push(
    sectionCard(
      h('span', {}, 'Schedules ', h('a', { href: href('schedules'), class: 'small' }, 'next fire times →')),
      project.schedules.length
        ? table(
            ['name', 'when'],
            project.schedules.map((s) => [s.name ?? `target ${s.target_id}`, h('span', {}, code(s.cron), s.timezone ? h('span', { class: 'muted small' }, ` ${s.timezone}`) : null, s.enabled ? null : h('span', { class: 'tag tag-muted' }, 'disabled'))]),
          )
        : emptyNote('No schedules.'),
    ),
  );
  const d = project.deploy;
  const deployRows: Array<[string, string | undefined]> = [
    ['cloud provider', d.cloud_provider],
    ['resource group', d.resource_group],
    ['task', d.task],
    ['image', d.container_image],
    ['cpu / memory', d.cpu || d.memory ? `${d.cpu ?? '–'} / ${d.memory ?? '–'} MiB` : undefined],
  ];
  sections.push(sectionCard('Deploy', table(['', ''], deployRows.filter(([, v]) => v !== undefined).map(([k, v]) => [k, code(String(v))]), 'kv-table')));
  return sections;
}

export const projectPage: Page = (container, context) => {
  // The overview is read with the project: the heading is the project's name now, not the one when the app loaded.
  const read = async (): Promise<[ProjectResponse, OverviewResponse]> => Promise.all([context.api.project(), context.api.overview()]);
  const load = (): void => void loadInto(container, context, read, ([data, overview]) => draw(container, context, data, overview));
  // project.yml fixed or broken while the page is open: it is read again (as the header's Run now is).
  const unsubscribe = context.live.subscribe((event) => {
    if (event.type === 'project-changed' || event.type === 'resync') load();
  });
  load();
  return unsubscribe;
};

/** The page from one answer of /api/project: the tasks, or why project.yml cannot be loaded. */
function draw(container: HTMLElement, context: PageContext, data: ProjectResponse, overview: OverviewResponse): void {
  if (!data.project) {
    container.append(projectErrorBox(data.error));
    return;
  }
  const project = data.project;
  const head = h(
    'div',
    { class: 'page-head' },
    h('h1', {}, overview.projectName),
    project.description ? h('p', { class: 'lead' }, project.description) : null,
    h('p', { class: 'muted small path' }, project.file),
  );
  const warnings = data.warnings.length
    ? h('details', { class: 'warnings' }, h('summary', {}, `${plural(data.warnings.length, 'warning')} in project.yml`), h('ul', {}, data.warnings.map((w) => h('li', {}, `${w.location?.line ? `line ${w.location.line}: ` : ''}${w.path ? `${w.path}: ` : ''}${w.message}${w.hint ? ` (${w.hint})` : ''}`))))
    : null;
  const tasks = h('section', { class: 'tasks' }, h('div', { class: 'tasks-head' }, h('h2', { class: 'card-title' }, `Tasks (${project.tasks.length})`), legend()), project.tasks.map(taskCard));
  container.append(head, warnings ?? '', h('div', { class: 'project-layout' }, tasks, h('aside', { class: 'side' }, sideSections(data, project, context.href))));
}
