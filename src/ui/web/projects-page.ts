// The team server's home: every project as a card with its health, last run, next schedule and recent runs, kept live
// from the server's event stream.
import type { ProjectCard, ProjectProblem } from '../api-types.js';
import { serverApi } from './api-client.js';
import { h } from './create-element.js';
import { formatDuration, formatFromNow, formatTime } from './format-values.js';
import type { LiveEvents } from './live-events.js';
import { emptyNote, errorBox, statusBadge } from './page-context.js';

const HEALTH_WORDS: Record<ProjectCard['health'], string> = { ok: 'healthy', failing: 'failing', running: 'running', idle: 'no runs', error: 'broken' };

function projectCard(card: ProjectCard, now: number): HTMLElement {
  const base = `#/p/${encodeURIComponent(card.id)}`;
  const last = card.lastRun;
  return h(
    'article',
    { class: `card project-card health-${card.health}`, 'data-project': card.id },
    h(
      'header',
      { class: 'project-card-head' },
      h('a', { href: `${base}/project`, class: 'project-card-name' }, card.name),
      h('span', { class: 'tag stage-tag' }, card.stage),
      card.provider ? h('span', { class: 'tag tag-cloud' }, card.provider) : null,
      h('span', { class: `health health-badge-${card.health}`, title: card.healthText, 'data-health': card.health }, HEALTH_WORDS[card.health]),
    ),
    card.description ? h('p', { class: 'muted small project-card-description' }, card.description) : null,
    h(
      'dl',
      { class: 'project-facts' },
      h('dt', {}, 'last run'),
      h(
        'dd',
        {},
        last
          ? h('span', {}, statusBadge(last.status, last.reason), ' ', h('a', { href: `${base}/runs/${encodeURIComponent(last.runId)}`, class: 'mono small' }, formatTime(last.startedAt)), last.durationMs !== undefined ? h('span', { class: 'muted small' }, ` · ${formatDuration(last.durationMs)}`) : null)
          : h('span', { class: 'muted' }, 'none yet'),
      ),
      h('dt', {}, 'next'),
      h('dd', {}, card.nextFire ? h('span', { title: card.nextFire.at }, `${card.nextFire.schedule}: ${formatTime(card.nextFire.at)} `, h('span', { class: 'muted small' }, `(${formatFromNow(card.nextFire.at, now)})`)) : h('span', { class: 'muted' }, 'no enabled schedule')),
      h('dt', {}, 'recent'),
      h(
        'dd',
        { class: 'recent-runs' },
        card.recent.length ? card.recent.map((status) => h('span', { class: `dot status-bg-${status}`, title: status })) : h('span', { class: 'muted' }, '–'),
        h('a', { href: `${base}/runs`, class: 'small recent-link' }, `${card.totalRuns.toLocaleString('en-US')} run${card.totalRuns === 1 ? '' : 's'} →`),
      ),
    ),
    card.problem
      ? brokenNote(card.problem, `${base}/project`)
      : card.health === 'error' || card.health === 'failing'
        ? h('p', { class: `small health-text health-text-${card.health}` }, card.healthText)
        : null,
  );
}

/** A refused project.yml on its card: how many problems, the first at its file:line, and the page that lists them all. */
function brokenNote(problem: ProjectProblem, projectPage: string): HTMLElement {
  return h(
    'p',
    { class: 'small health-text health-text-error project-problem' },
    `project.yml is refused: ${problem.count} problem${problem.count === 1 ? '' : 's'}; the first: `,
    h('span', { class: 'mono' }, problem.first),
    ' ',
    h('a', { href: projectPage, class: 'project-problem-link' }, problem.count === 1 ? 'see it on the Project page →' : 'see them all on the Project page →'),
  );
}

/** Draws the list and keeps it live; returns what to undo when the user leaves. */
export function showProjectsPage(container: HTMLElement, live: LiveEvents): () => void {
  const grid = h('div', { class: 'project-grid' }, h('p', { class: 'loading' }, 'Loading…'));
  container.append(h('div', { class: 'page-head' }, h('h1', {}, 'Projects'), h('p', { class: 'muted' }, 'Each project with the health of its last run and its next schedule.')), grid);
  let cards = new Map<string, ProjectCard>();
  let disposed = false;
  const draw = (): void => {
    const now = Date.now();
    grid.replaceChildren(...(cards.size ? [...cards.values()].map((c) => projectCard(c, now)) : [emptyNote('No projects are configured.')]));
  };
  const load = async (): Promise<void> => {
    try {
      const { projects } = await serverApi.projects();
      if (disposed) return;
      cards = new Map(projects.map((p) => [p.id, p]));
      draw();
    } catch (error) {
      if (!disposed) grid.replaceChildren(errorBox('Could not load the projects', (error as Error).message));
    }
  };
  const unsubscribe = live.subscribe((event) => {
    if (event.type === 'project' && cards.has(event.card.id)) {
      cards.set(event.card.id, event.card);
      draw();
    } else if (event.type === 'resync') void load();
  });
  // "in 3 min" goes stale: redraw now and then.
  const timer = window.setInterval(draw, 60_000);
  void load();
  return () => {
    disposed = true;
    unsubscribe();
    window.clearInterval(timer);
  };
}
