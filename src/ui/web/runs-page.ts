// The Runs page: a chart of durations and record counts over time, and the run history as a paged table, kept live.
import type { RunSummary, RunsPage } from '../api-types.js';
import { h } from './create-element.js';
import { describeRecords, formatCount, formatDuration, formatTime } from './format-values.js';
import { emptyNote, errorBox, sectionCard, statusBadge, type Page } from './page-context.js';
import { drawRunsChart } from './runs-chart.js';

const PAGE_SIZE = 50;
const CHART_RUNS = 120;

function tasksText(run: RunSummary): string {
  const names = run.tasks.filter((t) => t.status !== 'skipped' && t.status !== 'not_run').map((t) => t.name);
  return names.join(', ');
}

/** A run's page: its record's (workspace or store), or for a cloud job without a record yet, the job's. */
export function runHref(run: RunSummary, href: (path: string) => string): string {
  const jobOnly = run.jobId !== undefined && run.runId === run.jobId;
  return href(jobOnly ? `jobs/${encodeURIComponent(run.jobId!)}` : `runs/${encodeURIComponent(run.runId)}`);
}

function runRow(run: RunSummary, href: (path: string) => string): HTMLTableRowElement {
  const pending = run.jobStatus === 'pending';
  return h(
    'tr',
    { 'data-run-id': run.runId, 'data-job-id': run.jobId, class: 'run-row' },
    h(
      'td',
      {},
      pending ? h('span', { class: 'status status-running', title: 'the provider is starting the job' }, 'pending') : statusBadge(run.status, run.reason),
      // As the run page's "Stopping…": its commands got the Stop and are ending (their cleanup may take the grace period).
      run.status === 'running' && run.stopping ? h('span', { class: 'tag tag-stopping', title: `Stop asked at ${formatTime(run.stopping.since)}: its commands are ending` }, 'stopping') : null,
    ),
    h('td', {}, h('a', { href: runHref(run, href), class: 'mono' }, run.runId), run.where === 'cloud' ? h('span', { class: 'tag tag-cloud', title: run.jobId ? `cloud job ${run.jobId}` : 'from the provider\'s store' }, 'cloud') : null),
    h('td', {}, h('span', { class: `tag trigger-${run.trigger}` }, run.trigger)),
    h('td', { class: 'nowrap' }, formatTime(run.startedAt)),
    h('td', { class: 'num' }, run.status === 'running' ? h('span', { class: 'muted' }, 'running…') : formatDuration(run.durationMs)),
    h('td', { class: 'num', title: describeRecords(run.streams, run.untaggedRecords) }, formatCount(run.records)),
    h('td', { class: 'muted ellipsis', title: run.reason ?? tasksText(run) }, run.reason ?? tasksText(run)),
  );
}

export const runsPage: Page = (container, context) => {
  const row = (run: RunSummary): HTMLTableRowElement => runRow(run, context.href);
  let offset = 0;
  let current: RunsPage | undefined;
  const chartBody = h('div', { class: 'chart-body' }, h('p', { class: 'loading' }, 'Loading…'));
  const tableBody = h('div', { class: 'table-body' }, h('p', { class: 'loading' }, 'Loading…'));
  const pager = h('div', { class: 'pager' });
  const cloudNote = h('div', {});
  const unreadableNote = h('div', {});
  const chartLegend = h(
    'div',
    { class: 'legend' },
    ['succeeded', 'failed', 'interrupted', 'running'].map((s) => h('span', { class: 'legend-item' }, h('span', { class: `swatch status-bg-${s}` }), s)),
    h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-line' }), 'records'),
  );
  container.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Runs'), h('p', { class: 'muted small path' }, context.overview.workspaceDir)),
    sectionCard(h('span', {}, `Last runs over time`), chartLegend, chartBody),
    sectionCard('History', cloudNote, unreadableNote, tableBody, pager),
  );

  const drawChart = async (): Promise<void> => {
    try {
      const { points } = await context.api.runPoints(CHART_RUNS);
      if (!context.isCurrent()) return;
      chartBody.replaceChildren(points.length ? drawRunsChart(points, (id) => (location.hash = context.href(`runs/${encodeURIComponent(id)}`))) : emptyNote('No runs yet.'));
    } catch (error) {
      chartBody.replaceChildren(errorBox('Could not load the chart', (error as Error).message));
    }
  };

  const drawPager = (page: RunsPage): void => {
    const last = Math.min(page.offset + page.runs.length, page.total);
    pager.replaceChildren(
      h('span', { class: 'muted small' }, page.total ? `${page.offset + 1}–${last} of ${page.counting ? 'about ' : ''}${formatCount(page.total)}${page.counting ? ' (still counting)' : ''}` : ''),
      h('button', { class: 'button button-quiet', disabled: page.offset === 0, onclick: () => void loadPage(Math.max(0, page.offset - PAGE_SIZE)) }, '← Newer'),
      h('button', { class: 'button button-quiet', disabled: last >= page.total, onclick: () => void loadPage(page.offset + PAGE_SIZE) }, 'Older →'),
    );
  };

  const drawTable = (page: RunsPage): void => {
    // The project's own error is named as such (the Project page shows it too); a cloud error only when the cloud failed.
    cloudNote.replaceChildren(
      ...(page.projectError ? [errorBox('project.yml cannot be loaded', page.projectError, 'fix project.yml (see the Project page); the workspace\'s runs are listed')] : []),
      ...(page.cloudError ? [errorBox('Cloud runs could not all be read', page.cloudError, 'the workspace\'s runs and what was read before are listed')] : []),
    );
    // As `runs list` warns: the records are left out of the list and its count, and named so they can be looked at.
    const broken = page.unreadable;
    unreadableNote.replaceChildren(
      broken
        ? errorBox(
            `${formatCount(broken.count)} run record${broken.count === 1 ? '' : 's'} cannot be read`,
            [...broken.files, ...(broken.count > broken.files.length ? [`… and ${formatCount(broken.count - broken.files.length)} more`] : [])].join('\n'),
            'they are left out of this list, as `handoff runs list` leaves them out: look at these files (cut short, or not a run record) and remove them',
          )
        : '',
    );
    if (page.total === 0) {
      tableBody.replaceChildren(emptyNote('No runs recorded yet. Start one with “Run now”, or `handoff run local`.'));
      pager.replaceChildren();
      return;
    }
    tableBody.replaceChildren(
      h(
        'table',
        { class: 'table runs-table' },
        h('thead', {}, h('tr', {}, ['status', 'run', 'trigger', 'started', 'duration', 'records', 'tasks / reason'].map((c, i) => h('th', { class: i === 4 || i === 5 ? 'num' : '' }, c)))),
        h('tbody', {}, page.runs.map(row)),
      ),
    );
    drawPager(page);
  };

  const loadPage = async (from: number): Promise<void> => {
    try {
      const page = await context.api.runs(from, PAGE_SIZE);
      if (!context.isCurrent()) return;
      offset = from;
      current = page;
      drawTable(page);
      // The UI has just started on a long history: the total is made whole in a few seconds.
      if (page.counting) reloadSoon(2_000);
    } catch (error) {
      tableBody.replaceChildren(errorBox('Could not load the runs', (error as Error).message));
    }
  };

  let chartTimer: number | undefined;
  const redrawChartSoon = (): void => {
    if (chartTimer !== undefined) return;
    chartTimer = window.setTimeout(() => {
      chartTimer = undefined;
      void drawChart();
    }, 500);
  };

  let reloadTimer: number | undefined;
  const reloadSoon = (delayMs = 300): void => {
    if (reloadTimer !== undefined) return;
    reloadTimer = window.setTimeout(() => {
      reloadTimer = undefined;
      void loadPage(offset);
    }, delayMs);
  };

  const unsubscribe = context.live.subscribe((event) => {
    if (!current) return;
    if (event.type === 'run') {
      const shown = tableBody.querySelector(`tr[data-run-id="${CSS.escape(event.run.runId)}"]`);
      if (shown) shown.replaceWith(row(event.run));
      else if (event.change === 'added' && offset === 0) {
        current = { ...current, total: current.total + 1, runs: [event.run, ...current.runs].slice(0, PAGE_SIZE) };
        drawTable(current);
      } else if (event.change === 'added') {
        // An older page: a newer run pushes every row down one, so the page is read again (its total, its pager, and
        // the row that came over from the page before; else that row would show on two pages).
        reloadSoon();
      }
      redrawChartSoon();
    } else if (event.type === 'removed' || event.type === 'resync') {
      void loadPage(offset);
      redrawChartSoon();
    } else if (event.type === 'job') {
      // A cloud job started, changed or ended: its row (and perhaps its record from the store) is read again, once
      // for a burst of changes.
      reloadSoon();
      redrawChartSoon();
    }
  });

  void drawChart();
  void loadPage(0);
  return () => {
    unsubscribe();
    if (chartTimer !== undefined) clearTimeout(chartTimer);
    if (reloadTimer !== undefined) clearTimeout(reloadTimer);
  };
};
