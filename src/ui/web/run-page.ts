// The Run page: one run's status, tasks and processes (exit codes, failure classes), records, state, and its live logs.
import type { RunDetail } from '../api-types.js';
import type { ProcessResult, TaskResult } from '../../runner/events.js';
import { ApiError } from './api-client.js';
import { h } from './create-element.js';
import { describeRecords, formatCount, formatDuration, formatTime, formatWords, sumRecords } from './format-values.js';
import { createLogView, type LogView } from './log-view.js';
import { emptyNote, errorBox, sectionCard, statusBadge, type Page, type PageContext } from './page-context.js';

function describeExit(p: ProcessResult): string {
  if (p.exitCode !== null) return `exit ${p.exitCode}`;
  if (p.signal) return p.signal;
  return 'not started';
}

/** Up to this many logs (the console and stderr logs) each get a tab; more (a foreach) get a chooser with a filter. */
const TABS_UP_TO = 8;

/** The stderr logs (`task/process`, as the record names them) of processes that failed, to offer them first. */
function failedStreams(tasks: TaskResult[], into = new Set<string>()): Set<string> {
  for (const task of tasks) {
    for (const p of task.processes) if (p.failure || (p.exitCode !== null && p.exitCode !== 0)) into.add(`${task.name}/${p.name}`);
    failedStreams(task.subtasks, into);
  }
  return into;
}

/** Sub-tasks of a foreach can be many; when all went well they are folded behind one row. */
const FOLD_SUBTASKS_OVER = 6;

const STATUS_ICONS: Record<string, string> = { succeeded: '✓', failed: '✕', interrupted: '■', running: '●', skipped: '–', not_run: '–' };

/** A task's status as a small coloured mark (the word is its tooltip): the table stays readable with many tasks. */
function statusIcon(status: string): HTMLElement {
  return h('span', { class: `status-icon status-icon-${status}`, title: formatWords(status), 'data-status': status }, STATUS_ICONS[status] ?? '?');
}

function indent(depth: number): Record<string, string> {
  return { class: `name-cell depth-${Math.min(depth, 6)}` };
}

function processRows(p: ProcessResult, task: string, depth: number): HTMLElement[] {
  const failure = p.failure
    ? h('span', { class: 'tag tag-failed' }, formatWords(p.failure))
    : p.terminatedBy
      ? h('span', { class: 'tag tag-muted', title: 'ended by handoff' }, `ended: ${formatWords(p.terminatedBy)}`)
      : h('span', { class: 'muted' }, '–');
  const rows = [
    h(
      'tr',
      { class: `process-row${p.failure ? ' row-failed' : ''}`, 'data-task': task, 'data-process': p.name },
      h('td', indent(depth), h('span', { class: 'mono' }, p.name), h('span', { class: 'mono muted small command-line', title: p.commandLine }, p.commandLine)),
      h('td', { class: 'mono num' }, p.pid ?? '–'),
      h('td', { class: `mono exit ${p.exitCode === 0 ? 'exit-ok' : 'exit-bad'}` }, describeExit(p)),
      h('td', { class: 'num' }, formatDuration(p.durationMs)),
      h('td', {}, failure),
      h('td', {}),
    ),
  ];
  if (p.stderrTail?.length) rows.push(h('tr', { class: 'stderr-row' }, h('td', { colspan: 6 }, h('pre', { class: 'stderr-tail' }, p.stderrTail.join('\n')))));
  return rows;
}

function taskRows(task: TaskResult, depth: number): HTMLElement[] {
  const records = sumRecords(task.records, task.untaggedRecords);
  const notes = [
    task.attempts && task.attempts > 1 ? `${task.attempts} attempts` : null,
    task.stdoutBytes !== undefined ? `stdout ${formatCount(task.stdoutBytes)} B` : null,
    task.emittedState ? 'STATE' : null,
  ].filter(Boolean);
  const rows: HTMLElement[] = [
    h(
      'tr',
      { class: 'task-row', 'data-task': task.name },
      h('td', indent(depth), statusIcon(task.status), h('span', { class: 'mono strong' }, task.name), notes.length ? h('span', { class: 'muted small task-notes' }, notes.join(' · ')) : null),
      h('td', {}),
      // Failed with exit 0: ended by the stop while its command exited 0 of itself (the message row below says why).
      h(
        'td',
        { class: `mono exit ${task.status === 'failed' ? 'exit-bad' : ''}`, title: task.status === 'failed' && task.exitCode === 0 ? task.message ?? '' : '' },
        task.status === 'failed' ? (task.exitCode === 0 ? 'exit 0, ended' : `exit ${task.exitCode}`) : '',
      ),
      h('td', { class: 'num' }, formatDuration(task.durationMs)),
      h('td', {}, task.failure ? h('span', { class: 'tag tag-failed' }, formatWords(task.failure)) : ''),
      h('td', { class: 'num', title: describeRecords(task.records, task.untaggedRecords) }, records !== null ? formatCount(records) : ''),
    ),
  ];
  if (task.message) rows.push(h('tr', { class: 'message-row' }, h('td', { ...indent(depth + 1), colspan: 6 }, task.message)));
  for (const p of task.processes) rows.push(...processRows(p, task.name, depth + 1));
  const subtasks = task.subtasks;
  const allWell = subtasks.every((t) => t.status === 'succeeded' || t.status === 'skipped' || t.status === 'not_run');
  if (subtasks.length > FOLD_SUBTASKS_OVER && allWell) {
    const fold = h(
      'tr',
      { class: 'fold-row' },
      h(
        'td',
        { ...indent(depth + 1), colspan: 6 },
        h('button', { class: 'button button-quiet', onclick: () => fold.replaceWith(...subtasks.flatMap((t) => taskRows(t, depth + 1))) }, `▸ show ${subtasks.length} sub-tasks (all succeeded)`),
      ),
    );
    rows.push(fold);
  } else {
    for (const sub of subtasks) rows.push(...taskRows(sub, depth + 1));
  }
  if (task.unlistedSubtasks) {
    rows.push(h('tr', { class: 'message-row' }, h('td', { ...indent(depth + 1), colspan: 6 }, `… and ${task.unlistedSubtasks} more sub-tasks that succeeded (not listed in the record)`)));
  }
  return rows;
}

export function tasksTable(tasks: TaskResult[]): HTMLElement {
  return h(
    'table',
    { class: 'table tasks-table' },
    h('colgroup', {}, h('col', {}), h('col', { class: 'col-pid' }), h('col', { class: 'col-exit' }), h('col', { class: 'col-duration' }), h('col', { class: 'col-failure' }), h('col', { class: 'col-records' })),
    h('thead', {}, h('tr', {}, ['task / process', 'pid', 'exit', 'duration', 'failure', 'records'].map((c, i) => h('th', { class: i === 1 || i === 3 || i === 5 ? 'num' : '' }, c)))),
    h('tbody', {}, tasks.flatMap((t) => taskRows(t, 0))),
  );
}

function summaryGrid(detail: RunDetail): HTMLElement {
  const r = detail.record;
  const item = (label: string, value: Node | string) => h('div', { class: 'fact' }, h('div', { class: 'fact-label' }, label), h('div', { class: 'fact-value' }, value));
  return h(
    'div',
    { class: 'facts' },
    item('status', statusBadge(r.status, r.reason)),
    item('trigger', r.trigger),
    item('stage', r.stage),
    item('started', formatTime(r.startedAt)),
    item('duration', r.status === 'running' ? 'running…' : formatDuration(r.durationMs)),
    item('exit code', r.exitCode !== undefined ? String(r.exitCode) : '–'),
    item('records', formatCount(sumRecords(r.records, r.untaggedRecords))),
    item('handoff', `${r.handoffVersion} · pid ${r.pid} on ${r.host}`),
  );
}

export function recordsAndState(detail: Pick<RunDetail, 'record'>): HTMLElement {
  const r = detail.record;
  const streams: [string, number][] = Object.entries(r.records ?? {});
  const untagged = r.untaggedRecords ? h('tr', { class: 'records-untagged' }, h('td', { class: 'muted', title: 'METRIC lines that named no stream (e.g. "tags": {})' }, 'without a stream name'), h('td', { class: 'num' }, formatCount(r.untaggedRecords))) : null;
  const state = r.state;
  const stateText = !state ? 'no Singer state in this run' : state.saved ? `saved to artifacts/state.json (from task ${state.task})` : `not saved: ${state.reason ?? 'no state'}`;
  return sectionCard(
    'Records and state',
    streams.length || untagged
      ? h(
          'table',
          { class: 'table records-table' },
          h('thead', {}, h('tr', {}, h('th', {}, 'stream'), h('th', { class: 'num' }, 'records'))),
          h('tbody', {}, streams.map(([s, n]) => h('tr', {}, h('td', { class: 'mono' }, s), h('td', { class: 'num' }, formatCount(n)))), untagged),
        )
      : emptyNote(r.status === 'running' ? 'Record counts appear when the run ends.' : 'No Singer record counts in this run.'),
    // Saved but with others dropped is not all well: those tasks' bookmarks do not advance (as `runs show` warns).
    h('p', { class: `state-line ${state?.saved ? (state.dropped?.length ? 'state-dropped' : 'state-saved') : 'state-not-saved'}` }, h('b', {}, 'State: '), stateText),
    // The warning names tasks only (the recorder writes no state value into it).
    state?.warning ? h('p', { class: 'state-warning', role: 'note' }, h('b', {}, 'Warning: '), state.warning) : null,
    state?.value !== undefined
      ? h(
          'details',
          {},
          h('summary', {}, 'state value'),
          state.masked ? h('p', { class: 'state-masked muted small' }, 'Secret values in it are masked (***): this is not the state as saved, so it cannot be restored from this record.') : null,
          h('pre', { class: 'json' }, JSON.stringify(state.value, null, 2)),
        )
      : null,
  );
}

/**
 * How a Stop that is under way shows: handoff takes a second signal as "kill every process now", which would cut the
 * commands' cleanup short, so the page offers no second Stop (and the server sends none).
 */
export interface StopState {
  /** When the Stop was sent (ISO): the button says "Stopping…" and stays disabled. */
  stoppingSince?: string;
  /** Called when the server took the Stop (202), and after any other answer (so the page reads the run again). */
  onAnswered?: (accepted: boolean) => void;
}

/** "Stop" for a running run (operators): the server asks its handoff to end as Ctrl-C would. */
export function stopButton(label: string, stop: () => Promise<{ status: number; body: { message: string } }>, notify: PageContext['notify'], question: string, state: StopState = {}): HTMLButtonElement {
  const button = h('button', { class: 'button button-danger', 'data-action': 'stop' }, label);
  const showStopping = (since: string): void => {
    button.disabled = true;
    button.textContent = '■ Stopping…';
    button.title = `Stop sent at ${formatTime(since)}: its commands are ending, with the grace period to clean up; no second signal is sent`;
  };
  if (state.stoppingSince) {
    showStopping(state.stoppingSince);
    return button;
  }
  button.addEventListener('click', async () => {
    // A stop cannot be taken back (the run is recorded interrupted): one slip of the mouse must not do it.
    if (!window.confirm(question)) return;
    button.disabled = true;
    let accepted = false;
    try {
      const { status, body } = await stop();
      accepted = status < 300;
      notify(body.message, status < 400 ? 'info' : 'error');
    } catch (error) {
      notify(`Could not stop it: ${(error as Error).message}`, 'error');
    } finally {
      if (accepted && state.onAnswered) showStopping(new Date().toISOString());
      else button.disabled = false;
      state.onAnswered?.(accepted);
    }
  });
  return button;
}

export const runPage: Page = (container, context, params) => {
  const runId = decodeURIComponent(params[0] ?? '');
  const actions = h('div', { class: 'page-actions' });
  const head = h('div', { class: 'page-head' }, h('p', { class: 'crumbs' }, h('a', { href: context.href('runs') }, '← Runs')), h('div', { class: 'head-row' }, h('h1', { class: 'mono' }, `Run ${runId}`), actions));
  const body = h('div', { class: 'run-body' }, h('p', { class: 'loading' }, 'Loading…'));
  const logsCard = h('section', { class: 'card logs-card' });
  container.append(head, body, logsCard);
  let detail: RunDetail | undefined;
  let logView: LogView | undefined;
  let selectedStream = 'console';
  let disposed = false;
  /** When this page's Stop was taken (until the next read of the run says so itself). */
  let stopSentAt: string | undefined;

  /** Narrows the chooser of stderr logs; one element for the page, so what is typed survives a redraw. */
  const filterInput = h('input', { class: 'stream-filter', type: 'search', placeholder: 'filter logs', 'aria-label': 'filter the stderr logs' });
  filterInput.addEventListener('input', () => applyFilter(logsCard.querySelector('select.stream-chooser')));
  const applyFilter = (chooser: HTMLSelectElement | null): void => {
    const text = filterInput.value.trim().toLowerCase();
    if (!chooser) return;
    for (const group of chooser.querySelectorAll('optgroup')) {
      let any = false;
      for (const option of group.querySelectorAll('option')) {
        option.hidden = text !== '' && !option.value.toLowerCase().includes(text);
        any ||= !option.hidden;
      }
      group.hidden = !any;
    }
  };

  const tab = (s: string, index: number): HTMLElement =>
    h(
      'button',
      { class: `tab${s === selectedStream ? ' active' : ''}`, role: 'tab', id: `log-tab-${index}`, 'aria-controls': 'log-panel', 'aria-selected': s === selectedStream ? 'true' : 'false', onclick: () => selectStream(s) },
      s === 'console' ? 'console' : `${s} (stderr)`,
    );

  /**
   * The log tabs (a tablist whose panel is the log shown); a stream that appears while the run goes on gets its tab.
   * Past a few (a foreach makes a stderr log per line) they are a chooser, failed processes first, so the log stays in view.
   */
  const drawTabs = (): HTMLElement => {
    const streams = detail?.streams ?? [];
    if (streams.length <= TABS_UP_TO) return h('div', { class: 'log-streams' }, h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Logs' }, streams.map((s, i) => tab(s, i))));
    const stderr = streams.filter((s) => s !== 'console');
    const failed = failedStreams(detail?.record.tasks ?? []);
    const failedOnes = stderr.filter((s) => failed.has(s));
    const others = stderr.filter((s) => !failed.has(s));
    const option = (s: string): HTMLElement => h('option', { value: s, selected: s === selectedStream }, s);
    const chooser = h(
      'select',
      { class: 'stream-chooser', 'aria-label': 'stderr logs' },
      h('option', { value: '', selected: selectedStream === 'console' }, `stderr of ${stderr.length} processes…`),
      failedOnes.length ? h('optgroup', { label: `failed (${failedOnes.length})` }, failedOnes.map(option)) : null,
      h('optgroup', { label: failedOnes.length ? `the others (${others.length})` : `all (${others.length})` }, others.map(option)),
    );
    chooser.addEventListener('change', () => {
      if (chooser.value) selectStream(chooser.value);
    });
    applyFilter(chooser);
    const shown = selectedStream === 'console' ? ['console'] : ['console', selectedStream];
    return h('div', { class: 'log-streams' }, h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Logs' }, shown.map((s) => tab(s, streams.indexOf(s)))), filterInput, chooser);
  };

  /**
   * While a foreach goes on its logs come one by one: they join the chooser in place, so a list the user has open (or
   * the filter being typed in) is not rebuilt under them. False when the chooser must be drawn anew.
   */
  const addToChooser = (next: RunDetail): boolean => {
    const chooser = logsCard.querySelector<HTMLSelectElement>('select.stream-chooser');
    const groups = chooser?.querySelectorAll('optgroup');
    // Failed processes are known once the run's tasks are recorded: then the groups change, and it is drawn anew.
    if (!chooser || groups?.length !== 1 || failedStreams(next.record.tasks).size > 0) return false;
    const group = groups[0];
    const known = new Set([...chooser.querySelectorAll('option')].map((o) => o.value));
    const stderr = next.streams.filter((s) => s !== 'console');
    for (const s of stderr) if (!known.has(s)) group.append(h('option', { value: s }, s));
    group.label = `all (${stderr.length})`;
    chooser.options[0].textContent = `stderr of ${stderr.length} processes…`;
    applyFilter(chooser);
    return true;
  };

  const drawLogs = (): void => {
    if (!detail) return;
    logView?.dispose();
    if (detail.where === 'cloud') {
      logsCard.replaceChildren(
        h('h2', { class: 'card-title' }, 'Logs'),
        emptyNote('This run ran in the provider: its log is the cloud job\'s.'),
        detail.jobId ? h('a', { href: context.href(`jobs/${encodeURIComponent(detail.jobId)}`) }, `Open job ${detail.jobId} and its log →`) : emptyNote('The provider no longer lists its job (clouds keep finished jobs for a while only).'),
      );
      return;
    }
    // Every stream is live while the run goes on: the server streams the console and each stderr log alike.
    logView = createLogView(context.api, detail.record.runId, selectedStream, context.live);
    logView.element.id = 'log-panel';
    logView.element.setAttribute('role', 'tabpanel');
    logView.element.setAttribute('aria-labelledby', `log-tab-${Math.max(0, detail.streams.indexOf(selectedStream))}`);
    const liveNote = detail.record.status === 'running' ? h('span', { class: 'live-pill' }, 'live') : null;
    logsCard.replaceChildren(h('div', { class: 'logs-head' }, h('h2', { class: 'card-title' }, 'Logs'), liveNote, drawTabs()), logView.element);
  };

  const selectStream = (stream: string): void => {
    selectedStream = stream;
    drawLogs();
  };

  const drawDetail = (next: RunDetail): void => {
    const first = !detail;
    const wasRunning = detail?.record.status === 'running';
    const streamsBefore = detail?.streams.join('\n');
    detail = next;
    const r = next.record;
    const canStop = r.status === 'running' && next.where !== 'cloud' && context.canOperate && context.overview.canStopRuns && !next.abandoned;
    if (r.status !== 'running') stopSentAt = undefined;
    const stopState: StopState = {
      // The server's word (another tab's Stop, a reload) or this page's own Stop, whichever is known.
      stoppingSince: next.stopping?.since ?? stopSentAt,
      onAnswered: (accepted) => {
        if (accepted) stopSentAt = new Date().toISOString();
        void load();
      },
    };
    actions.replaceChildren(canStop ? stopButton('■ Stop', () => context.api.stopRun(r.runId), context.notify, `Stop run ${r.runId}? Its commands are ended and the run is recorded as interrupted.`, stopState) : '');
    body.replaceChildren(
      summaryGrid(next),
      r.reason ? h('div', { class: `reason reason-${r.status}` }, r.reason) : '',
      h(
        'div',
        { class: 'run-columns' },
        sectionCard('Tasks and processes', r.tasks.length ? tasksTable(r.tasks) : emptyNote(r.status === 'running' ? 'Tasks and processes are listed when the run ends; its logs below are live.' : 'No tasks ran.')),
        recordsAndState(next),
      ),
    );
    if (first) {
      drawLogs();
      return;
    }
    // Keep the log already shown (and where it is scrolled to): only the tabs change when a stream appears.
    if (streamsBefore !== next.streams.join('\n') && !addToChooser(next)) {
      const typing = document.activeElement === filterInput;
      logsCard.querySelector('.log-streams')?.replaceWith(drawTabs());
      if (typing) filterInput.focus();
    }
    if (wasRunning && r.status !== 'running') {
      void logView?.catchUp();
      logsCard.querySelector('.live-pill')?.remove();
    }
  };

  const load = async (): Promise<void> => {
    try {
      const next = await context.api.run(runId);
      if (!disposed && context.isCurrent()) drawDetail(next);
    } catch (error) {
      if (disposed) return;
      const message = error instanceof ApiError && error.status === 404 ? `There is no run ${runId} in this workspace.` : (error as Error).message;
      body.replaceChildren(errorBox('Could not load this run', message));
    }
  };

  /** One read at a time for the new-stream case: a burst of its lines asks only once. */
  let reloading: Promise<void> | undefined;
  const reload = (): void => {
    reloading ??= load().finally(() => (reloading = undefined));
  };

  const unsubscribe = context.live.subscribe((event) => {
    if ((event.type === 'run' && event.run.runId === detail?.record.runId) || event.type === 'resync') void load();
    // A process's stderr log the page has no tab for yet: the record names it now.
    else if (event.type === 'log' && detail && event.runId === detail.record.runId && !detail.streams.includes(event.stream)) reload();
  });

  void load();
  return () => {
    disposed = true;
    unsubscribe();
    logView?.dispose();
  };
};
