// The Runs page: a chart of durations and record counts over time, and the run history as a paged table, kept live.
import type { RunSummary, RunsPage } from '../api-types.js';
import { api } from './api-client.js';
import { h } from './create-element.js';
import { formatCount, formatDuration, formatTime } from './format-values.js';
import { emptyNote, errorBox, sectionCard, statusBadge, type Page } from './page-context.js';
import { drawRunsChart } from './runs-chart.js';

const PAGE_SIZE = 50;
const CHART_RUNS = 120;

function tasksText(run: RunSummary): string {
  const names = run.tasks.filter((t) => t.status !== 'skipped' && t.status !== 'not_run').map((t) => t.name);
  return names.join(', ');
}

function runRow(run: RunSummary): HTMLTableRowElement {
  const href = `#/runs/${encodeURIComponent(run.runId)}`;
  const streams = Object.entries(run.streams);
  return h(
    'tr',
    { 'data-run-id': run.runId, class: 'run-row' },
    h('td', {}, statusBadge(run.status, run.reason)),
    h('td', {}, h('a', { href, class: 'mono' }, run.runId)),
    h('td', {}, h('span', { class: `tag trigger-${run.trigger}` }, run.trigger)),
    h('td', { class: 'nowrap' }, formatTime(run.startedAt)),
    h('td', { class: 'num' }, run.status === 'running' ? h('span', { class: 'muted' }, 'running…') : formatDuration(run.durationMs)),
    h('td', { class: 'num', title: streams.map(([s, n]) => `${s}: ${n}`).join('\n') }, formatCount(run.records)),
    h('td', { class: 'muted ellipsis', title: run.reason ?? tasksText(run) }, run.reason ?? tasksText(run)),
  );
}

export const runsPage: Page = (container, context) => {
  let offset = 0;
  let current: RunsPage | undefined;
  const chartBody = h('div', { class: 'chart-body' }, h('p', { class: 'loading' }, 'Loading…'));
  const tableBody = h('div', { class: 'table-body' }, h('p', { class: 'loading' }, 'Loading…'));
  const pager = h('div', { class: 'pager' });
  const chartLegend = h(
    'div',
    { class: 'legend' },
    ['succeeded', 'failed', 'interrupted', 'running'].map((s) => h('span', { class: 'legend-item' }, h('span', { class: `swatch status-bg-${s}` }), s)),
    h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-line' }), 'records'),
  );
  container.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Runs'), h('p', { class: 'muted small path' }, context.overview.workspaceDir)),
    sectionCard(h('span', {}, `Last runs over time`), chartLegend, chartBody),
    sectionCard('History', tableBody, pager),
  );

  const drawChart = async (): Promise<void> => {
    try {
      const { points } = await api.runPoints(CHART_RUNS);
      if (!context.isCurrent()) return;
      chartBody.replaceChildren(points.length ? drawRunsChart(points, (id) => (location.hash = `#/runs/${encodeURIComponent(id)}`)) : emptyNote('No runs yet.'));
    } catch (error) {
      chartBody.replaceChildren(errorBox('Could not load the chart', (error as Error).message));
    }
  };

  const drawPager = (page: RunsPage): void => {
    const last = Math.min(page.offset + page.runs.length, page.total);
    pager.replaceChildren(
      h('span', { class: 'muted small' }, page.total ? `${page.offset + 1}–${last} of ${formatCount(page.total)}` : ''),
      h('button', { class: 'button button-quiet', disabled: page.offset === 0, onclick: () => void loadPage(Math.max(0, page.offset - PAGE_SIZE)) }, '← Newer'),
      h('button', { class: 'button button-quiet', disabled: last >= page.total, onclick: () => void loadPage(page.offset + PAGE_SIZE) }, 'Older →'),
    );
  };

  const drawTable = (page: RunsPage): void => {
    if (page.total === 0) {
      tableBody.replaceChildren(emptyNote('No runs recorded in this workspace yet. Start one with “Run now”, or `handoff run local`.'));
      pager.replaceChildren();
      return;
    }
    tableBody.replaceChildren(
      h(
        'table',
        { class: 'table runs-table' },
        h('thead', {}, h('tr', {}, ['status', 'run', 'trigger', 'started', 'duration', 'records', 'tasks / reason'].map((c, i) => h('th', { class: i === 4 || i === 5 ? 'num' : '' }, c)))),
        h('tbody', {}, page.runs.map(runRow)),
      ),
    );
    drawPager(page);
  };

  const loadPage = async (from: number): Promise<void> => {
    try {
      const page = await api.runs(from, PAGE_SIZE);
      if (!context.isCurrent()) return;
      offset = from;
      current = page;
      drawTable(page);
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

  const unsubscribe = context.live.subscribe((event) => {
    if (!current) return;
    if (event.type === 'run') {
      const row = tableBody.querySelector(`tr[data-run-id="${CSS.escape(event.run.runId)}"]`);
      if (row) row.replaceWith(runRow(event.run));
      else if (event.change === 'added' && offset === 0) {
        current = { ...current, total: current.total + 1, runs: [event.run, ...current.runs].slice(0, PAGE_SIZE) };
        drawTable(current);
      }
      redrawChartSoon();
    } else if (event.type === 'removed' || event.type === 'resync') {
      void loadPage(offset);
      redrawChartSoon();
    }
  });

  void drawChart();
  void loadPage(0);
  return () => {
    unsubscribe();
    if (chartTimer !== undefined) clearTimeout(chartTimer);
  };
};
