// The Job page (team server): one cloud job of a project — its state in the provider, a Stop button for operators, the
// run record it pushed to the store once it has, and its log from the provider, followed live while it runs.
import type { JobDetail, JobLogChunk } from '../api-types.js';
import type { ProjectApi } from './api-client.js';
import { ApiError } from './api-client.js';
import { h } from './create-element.js';
import { formatDuration, formatTime, formatWords } from './format-values.js';
import type { LiveEvents } from './live-events.js';
import { emptyNote, errorBox, sectionCard, statusBadge, type Page } from './page-context.js';
import { recordsAndState, stopButton, tasksTable } from './run-page.js';

function jobStatusBadge(status: JobDetail['job']['status'], reason?: string): HTMLElement {
  if (status === 'pending') return h('span', { class: 'status status-running', title: reason }, 'pending');
  if (status === 'unknown') return h('span', { class: 'status status-skipped', title: reason }, 'unknown');
  return statusBadge(status, reason);
}

/** The job's log: the lines read so far, then new ones from the event stream (numbered, so none is shown twice). */
function createJobLogView(api: ProjectApi, jobId: string, live: LiveEvents): { element: HTMLElement; dispose(): void } {
  const pre = h('pre', { class: 'log', tabindex: 0, 'data-job': jobId });
  const note = h('div', { class: 'log-note' });
  let end = 0;
  let reading = false;
  let again = false;
  let disposed = false;
  const atBottom = (): boolean => pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
  const show = (chunk: { start: number; lines: string[] }): void => {
    const fresh = chunk.lines.slice(Math.max(0, end - chunk.start));
    if (fresh.length === 0 && chunk.start + chunk.lines.length <= end) return;
    const follow = atBottom();
    pre.append(...fresh.map((line) => h('span', { class: 'log-line' }, `${line}\n`)));
    end = chunk.start + chunk.lines.length;
    delete pre.dataset.empty;
    if (follow) pre.scrollTop = pre.scrollHeight;
  };
  const read = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      for (;;) {
        const chunk: JobLogChunk = await api.jobLog(jobId, end);
        if (disposed) return;
        if (chunk.start > end) note.textContent = `The first ${chunk.start - end} lines are no longer kept by the server.`;
        if (chunk.start > end) end = chunk.start;
        show(chunk);
        if (chunk.lines.length === 0) {
          if (end === 0) pre.dataset.empty = 'true';
          if (chunk.done) pre.dataset.done = 'true';
          break;
        }
      }
    } catch (error) {
      note.textContent = `Could not read the log: ${(error as Error).message}`;
    } finally {
      reading = false;
    }
    if (again && !disposed) {
      again = false;
      await read();
    }
  };
  const unsubscribe = live.subscribe((event) => {
    if (event.type === 'resync') return void read();
    if (event.type !== 'job-log' || event.jobId !== jobId) return;
    if (event.done) pre.dataset.done = 'true';
    if (event.start <= end && !reading) show(event);
    else void read();
  });
  void read();
  return {
    element: h('div', { class: 'log-panel' }, note, pre),
    dispose() {
      disposed = true;
      unsubscribe();
    },
  };
}

export const jobPage: Page = (container, context, params) => {
  const jobId = decodeURIComponent(params[0] ?? '');
  const actions = h('div', { class: 'page-actions' });
  const head = h('div', { class: 'page-head' }, h('p', { class: 'crumbs' }, h('a', { href: context.href('runs') }, '← Runs')), h('div', { class: 'head-row' }, h('h1', { class: 'mono' }, `Job ${jobId}`), actions));
  const body = h('div', { class: 'run-body' }, h('p', { class: 'loading' }, 'Loading…'));
  const logView = createJobLogView(context.api, jobId, context.live);
  const logsCard = h('section', { class: 'card logs-card' }, h('div', { class: 'logs-head' }, h('h2', { class: 'card-title' }, 'Log (from the provider)')), logView.element);
  container.append(head, body, logsCard);
  let disposed = false;

  const draw = (detail: JobDetail): void => {
    const { job } = detail;
    const running = job.status === 'running' || job.status === 'pending';
    actions.replaceChildren(running && context.canOperate ? stopButton('■ Stop job', () => context.api.stopJob(job.id), context.notify, `Stop job ${job.id}? It is ended in the provider and cannot be resumed.`) : '');
    const item = (label: string, value: Node | string) => h('div', { class: 'fact' }, h('div', { class: 'fact-label' }, label), h('div', { class: 'fact-value' }, value));
    const duration = job.startedAt && job.stoppedAt ? formatDuration(Date.parse(job.stoppedAt) - Date.parse(job.startedAt)) : running ? 'running…' : '–';
    body.replaceChildren(
      h(
        'div',
        { class: 'facts', 'data-job-status': job.status },
        item('status', jobStatusBadge(job.status, job.reason)),
        item('provider', detail.provider),
        item('trigger', job.trigger ?? '–'),
        item('started', formatTime(job.startedAt)),
        item('duration', duration),
        item('exit code', job.exitCode !== undefined ? String(job.exitCode) : '–'),
        item('failure', job.failure ? formatWords(job.failure) : '–'),
      ),
      job.reason ? h('div', { class: `reason reason-${job.status === 'failed' ? 'failed' : 'interrupted'}` }, job.reason) : '',
      sectionCard(
        'Details',
        h(
          'table',
          { class: 'table kv-table' },
          h('tbody', {}, Object.entries(job.details).map(([k, v]) => h('tr', {}, h('td', {}, formatWords(k)), h('td', { class: 'mono' }, String(v))))),
        ),
      ),
      detail.record
        ? h(
            'div',
            { class: 'run-columns' },
            sectionCard(
              h('span', {}, 'Tasks and processes ', h('a', { href: context.href(`runs/${encodeURIComponent(detail.record.runId)}`), class: 'small' }, `run ${detail.record.runId} →`)),
              detail.record.tasks.length ? tasksTable(detail.record.tasks) : emptyNote('No tasks ran.'),
            ),
            recordsAndState({ record: detail.record }),
          )
        : emptyNote(running ? 'The run record reaches the store when the run ends.' : 'No run record of this job is in the store.'),
    );
  };

  const load = async (): Promise<void> => {
    try {
      const detail = await context.api.job(jobId);
      if (!disposed && context.isCurrent()) draw(detail);
    } catch (error) {
      if (disposed) return;
      const message = error instanceof ApiError && error.status === 404 ? `The provider knows no job ${jobId} (clouds keep finished jobs for a while only).` : (error as Error).message;
      body.replaceChildren(errorBox('Could not load this job', message));
    }
  };
  const unsubscribe = context.live.subscribe((event) => {
    if ((event.type === 'job' && event.job.id === jobId) || event.type === 'resync' || (event.type === 'job-log' && event.jobId === jobId && event.done)) void load();
  });
  void load();
  return () => {
    disposed = true;
    unsubscribe();
    logView.dispose();
  };
};
